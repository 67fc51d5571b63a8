import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ScheduleUnsupportedError } from '../errors.ts';
import { queueNames } from '../protocol.ts';
import { minimumMinor, serverFeatures } from '../topology/server-features.ts';

/** The fields of a task stream's config that decide whether it can hold a delayed task. */
export interface ScheduleStreamConfig {
  subjects?: string[];
  allow_msg_schedules?: boolean;
  discard?: string;
  max_msgs?: number;
  max_bytes?: number;
}

/** Why a queue cannot hold delayed tasks, or undefined when it can. Pure: unit-tested. */
export function whyNotSchedulable(queue: string, serverVersion: string | undefined, stream: ScheduleStreamConfig | undefined): string | undefined {
  if (!serverFeatures(serverVersion).scheduleAt) {
    return `nats-server ${serverVersion ?? '(unknown version)'}; delays need ${minimumMinor('scheduleAt')}+`;
  }
  if (!stream) return undefined; // not readable with this client's permissions: the server decides
  if (stream.allow_msg_schedules !== true) {
    const refusingLimit = stream.discard === 'new' && ((stream.max_msgs ?? -1) > 0 || (stream.max_bytes ?? -1) > 0);
    return refusingLimit
      ? 'the queue has a count or size limit with discard new, which nats-server forbids with schedules'
      : 'its stream does not allow schedules (allow_msg_schedules is off): let the operator or ensureQueue update it';
  }
  const sched = queueNames(queue).scheduleSubjects;
  if (!stream.subjects?.includes(sched)) return `its stream does not take the schedule subjects ${sched}: let the operator or ensureQueue update it`;
  return undefined;
}

/**
 * Checks once per queue that it can hold delayed tasks, from the server's version and the task
 * stream's config. A success is remembered; a failure is not, so fixing the queue (or upgrading
 * the server) takes effect on the next enqueue.
 */
export class ScheduleSupport {
  private readonly ok = new Map<string, Promise<void>>();
  private readonly nc: NatsConnection;

  constructor(nc: NatsConnection) {
    this.nc = nc;
  }

  check(queue: string): Promise<void> {
    let p = this.ok.get(queue);
    if (!p) {
      p = this.lookup(queue);
      this.ok.set(queue, p);
      p.catch(() => this.ok.delete(queue));
    }
    return p;
  }

  private async lookup(queue: string): Promise<void> {
    const why = whyNotSchedulable(queue, this.nc.info?.version, await this.streamConfig(queue));
    if (why) throw new ScheduleUnsupportedError(queue, why);
  }

  private async streamConfig(queue: string): Promise<ScheduleStreamConfig | undefined> {
    if (!serverFeatures(this.nc.info?.version).scheduleAt) return undefined;
    try {
      const jsm = await jetstreamManager(this.nc);
      return (await jsm.streams.info(queueNames(queue).stream)).config;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
        throw new ScheduleUnsupportedError(queue, 'the queue has no task stream (is the queue created?)');
      }
      return undefined; // e.g. no permission for stream info: the publish itself will say what is wrong
    }
  }
}
