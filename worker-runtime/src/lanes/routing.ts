import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { fairnessBucket, laneSubject, queueNames, taskSubject } from '../protocol.ts';
import { decodeLaneLayout, type LaneLayout } from './layout.ts';

/** What an enqueue may say about its lane. */
export interface LaneOptions {
  /**
   * Priority level, 0 (the default, lowest) up to the queue's levels minus one: workers take
   * higher levels first (docs/concepts.md "Priorities"). Only on queues that declare priorities.
   */
  priority?: number;
  /**
   * Fairness key (e.g. a tenant id): on a queue with fairness buckets, tasks of different keys
   * take turns instead of queueing behind each other (docs/concepts.md "Fairness"). Sent as the
   * `Celeriac-Fairness-Key` header too. Ignored by queues without fairness buckets.
   */
  fairnessKey?: string;
}

/**
 * An enqueue asked for a lane the queue does not have (a priority on a queue without that many
 * levels, or the queue's layout unreadable). Retrying the same call cannot help: fix the call or
 * the TaskQueue's `spec.priorities`.
 */
export class LaneUnavailableError extends Error {
  override readonly name = 'LaneUnavailableError';
  readonly queue: string;
  constructor(queue: string, why: string) {
    super(`queue ${queue}: ${why}`);
    this.queue = queue;
  }
}

/** True when the options need the queue's lanes: anything but the default lane. */
export function wantsLane(o: LaneOptions): boolean {
  return (o.priority !== undefined && o.priority !== 0) || o.fairnessKey !== undefined;
}

/** Checks what can be checked without the queue: a bad value fails before anything is published. */
export function assertLaneOptions(o: LaneOptions): void {
  if (o.priority !== undefined && !(Number.isInteger(o.priority) && o.priority >= 0)) {
    throw new RangeError(`priority must be an integer >= 0, got ${String(o.priority)}`);
  }
  if (o.fairnessKey !== undefined && (typeof o.fairnessKey !== 'string' || o.fairnessKey.length === 0)) {
    throw new TypeError('fairnessKey must be a non-empty string');
  }
}

/** The subject of a task in the lane its options name, within `layout` (undefined: a single-lane queue). Pure. */
export function laneSubjectFor(queue: string, task: string, o: LaneOptions, layout: LaneLayout | undefined): string {
  const level = o.priority ?? 0;
  const levels = layout?.levels ?? 1;
  if (level >= levels) {
    throw new LaneUnavailableError(queue, `priority ${level} is out of range: the queue has ${levels} priority level${levels === 1 ? '' : 's'} (0 to ${levels - 1})`);
  }
  const buckets = layout?.buckets ?? 1;
  const bucket = o.fairnessKey === undefined ? 0 : fairnessBucket(o.fairnessKey, buckets);
  return laneSubject(queue, task, level, bucket);
}

/**
 * The producer's view of queues' lanes: each queue's layout is read from its stream's metadata
 * (one request, only for an enqueue that names a priority or key) and remembered for
 * DEFAULTS.laneLayoutCacheMs. A failed read is not remembered, so a queue created later is seen
 * on the next enqueue.
 */
export class LaneRouting {
  private readonly layouts = new Map<string, { at: number; layout: Promise<LaneLayout | undefined> }>();
  private readonly nc: NatsConnection;

  constructor(nc: NatsConnection) {
    this.nc = nc;
  }

  async subject(queue: string, task: string, o: LaneOptions): Promise<string> {
    if (!wantsLane(o)) return taskSubject(queue, task);
    return laneSubjectFor(queue, task, o, await this.layout(queue));
  }

  private layout(queue: string): Promise<LaneLayout | undefined> {
    const now = Date.now();
    const cached = this.layouts.get(queue);
    if (cached && now - cached.at < DEFAULTS.laneLayoutCacheMs) return cached.layout;
    const layout = this.read(queue);
    const entry = { at: now, layout };
    this.layouts.set(queue, entry);
    layout.catch(() => this.layouts.get(queue) === entry && this.layouts.delete(queue));
    return layout;
  }

  private async read(queue: string): Promise<LaneLayout | undefined> {
    try {
      const jsm = await jetstreamManager(this.nc);
      return decodeLaneLayout((await jsm.streams.info(queueNames(queue).stream)).config.metadata);
    } catch (err) {
      const why = err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound ? 'the queue has no task stream (is the queue created?)' : `cannot read its lanes: ${(err as Error).message}`;
      throw new LaneUnavailableError(queue, why);
    }
  }
}
