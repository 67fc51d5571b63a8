import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { HEADERS, queueNames, taskNameFromSubject } from '../protocol.ts';
import { recordDeath } from './failure-effects.ts';
import { taskIdOf } from './envelope.ts';
import type { RunDeps } from './run-deps.ts';

/** The advisory the server publishes when a message reaches the consumer's max_deliver. */
export const maxDeliveriesSubject = (stream: string, consumer: string) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;

/** The fields of that advisory this listener reads (io.nats.jetstream.advisory.v1.max_deliver). */
interface MaxDeliveriesAdvisory {
  stream_seq: number;
  deliveries: number;
}

/**
 * Ends the tasks the server stopped delivering. The workers' consumer has a finite max_deliver
 * (QueueSettings.maxDeliveries) so no message is delivered for ever, whatever a worker does.
 *
 * What nats-server v2.14.10 does at that bound, checked on a work-queue stream with explicit
 * acks: after the last delivery is naked (or its ack wait passes) it publishes the advisory
 * `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` once, with `stream_seq` and
 * `deliveries`, and never delivers the message again; the message stays in the stream (still
 * readable with STREAM.MSG.GET by sequence, the consumer's ack floor stuck below it) until it
 * is deleted. Nothing else would ever remove it, and its producer would see `pending` for ever.
 *
 * So every worker subscribes in one queue group (the server hands each advisory to one of them),
 * reads the message by sequence, dead-letters it (reason `max-deliveries`), records its final
 * state and deletes it from the task stream. A dead letter that cannot be written leaves the
 * message in the stream (its record says so): deleting it then would lose the payload.
 * An advisory sent while no worker is subscribed is lost; the message then stays in the stream.
 * A workflow step ended here settles its workflow like any dead-lettered step (workflows/advance.ts).
 */
export class MaxDeliveriesListener {
  private readonly sub: Subscription;
  private readonly handling = new Set<Promise<void>>();
  private readonly nc: NatsConnection;
  private readonly deps: RunDeps;
  private readonly stream: string;

  constructor(nc: NatsConnection, deps: RunDeps) {
    this.nc = nc;
    this.deps = deps;
    const names = queueNames(deps.queue);
    this.stream = names.stream;
    this.sub = nc.subscribe(maxDeliveriesSubject(names.stream, names.consumer), {
      queue: `celeriac-${deps.queue}-max-deliveries`,
      callback: (err, msg) => {
        if (err) {
          deps.log.error({ err }, 'max-deliveries advisory subscription failed');
          return;
        }
        const p = this.handle(msg).finally(() => this.handling.delete(p));
        this.handling.add(p);
      },
    });
  }

  /** Stops listening; resolves once advisories already taken are handled. */
  async close(): Promise<void> {
    this.sub.unsubscribe();
    await Promise.all([...this.handling]);
  }

  private async handle(msg: Msg): Promise<void> {
    const { log } = this.deps;
    let advisory: MaxDeliveriesAdvisory;
    try {
      advisory = msg.json<MaxDeliveriesAdvisory>();
      if (!Number.isInteger(advisory.stream_seq) || advisory.stream_seq <= 0) throw new TypeError('no stream_seq');
    } catch (err) {
      log.warn({ err, subject: msg.subject }, 'ignoring an unreadable max-deliveries advisory');
      return;
    }
    const seq = advisory.stream_seq;
    try {
      const jsm = await jetstreamManager(this.nc);
      const stored = await jsm.streams.getMessage(this.stream, { seq }).catch((e: unknown) => {
        // Acked late by a slow worker, or handled already: nothing left to end.
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound) return null;
        throw e;
      });
      if (!stored) return;
      const copy = await this.endTask(stored, advisory.deliveries);
      if (copy?.error) {
        log.error({ streamSeq: seq }, 'task past max deliveries kept in the task stream: no dead letter could be written');
        return;
      }
      await jsm.streams.deleteMessage(this.stream, seq, false);
    } catch (err) {
      log.error({ err, streamSeq: seq }, 'could not end a task past max deliveries; it stays in the task stream');
    }
  }

  private async endTask(stored: StoredMsg, deliveries: number) {
    const { deps } = this;
    const task = taskNameFromSubject(deps.queue, stored.subject) ?? '';
    const h = stored.header;
    const id = taskIdOf(h, stored.seq);
    const enqueuedAt = Number(h?.get(HEADERS.enqueuedAt)) || undefined;
    const attempts = Number.isInteger(deliveries) ? deliveries : 0;
    const error = { message: `delivered ${attempts} times without an outcome: the queue's maxDeliveries bound`, type: 'MaxDeliveries' };
    const src = { subject: stored.subject, data: stored.data, headers: h, stream: this.stream, streamSeq: stored.seq };
    const copy = await recordDeath(src, id, { task, attempts, enqueuedAt }, 'max-deliveries', error, deps);
    // A workflow step settles its workflow (a chain fails at this link, a chord member counts as
    // failed) before the message is deleted: if this throws, the message stays and the error is logged.
    await deps.workflows?.onEnded(h, task, id, 'max-deliveries', error);
    deps.metrics.deadLettered(task || 'unknown', 'max-deliveries');
    deps.log.warn({ task, id, reason: 'max-deliveries', attempts, streamSeq: stored.seq, deadLetter: copy }, 'task dead-lettered');
    return copy;
  }
}
