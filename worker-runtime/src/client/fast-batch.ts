import { createInbox, nuid, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { sweepEveryMs, type PublishDone } from './publisher.ts';

/**
 * JetStream's fast batch publish (nats-server 2.14, a stream with `allow_batched: true`): the
 * messages of a batch carry its id, their sequence in it and an operation in the reply subject,
 * and the server answers the batch when its last message is stored, with how many it stored,
 * instead of once per message (plus a flow ack at its start; more often while other batches are
 * open on the stream, from one per message doubling up to one per 500 / open batches). The worker
 * sends a turn's result records this way (results.ts): measured on this machine, 100,000 records in batches of 50 cost the server 9.4-10.5 µs each against 12.4-13.2 µs
 * acked one by one, and the publishing process 4.5-5.4 µs against 7.5-10.4 µs.
 *
 * Reply subject: `<inbox>.<batch id>.<flow>.<gap mode>.<seq>.<op>.$FI` (nats-server
 * `getFastBatch`; nats.js `startFastIngest` writes the same). Gap mode `fail`: a message the
 * server misses or refuses ends the batch, and its answer counts what was stored before it.
 */
export const FAST_BATCH_OP = { start: 0, append: 1, commit: 2 } as const;

/**
 * Acks per this many messages the server may send while a batch runs: more than a turn's records
 * (at most `resultsInFlightMax`, 1,000), so a batch is answered at its start and its end only.
 */
const FLOW = 1_000;

/** The reply subject of message `seq` (1-based) of a batch of `count`: the last one commits it. */
export function fastBatchReply(inbox: string, id: string, seq: number, count: number): string {
  const op = seq === count ? FAST_BATCH_OP.commit : seq === 1 ? FAST_BATCH_OP.start : FAST_BATCH_OP.append;
  return `${inbox}.${id}.${FLOW}.fail.${seq}.${op}.$FI`;
}

/** What one answer to a batch says: it is still running, or it ended with its first `stored` messages stored. */
export type BatchAnswer = { ended: false } | { ended: true; stored: number; error?: string };

/**
 * Reads an answer. Flow acks, gap and per-message error notices (`{"type":...}`) are progress; the
 * batch's end is a publish ack, `{"stream":..,"count":N}` for N stored, or `{"error":..}`. An
 * error may refuse the batch at its first message (batches off, too many open, no bucket) or one
 * message later in it (size, limits, a store failure), and does not say how many came before: it
 * counts as none stored, so those are sent again, which a result record (same key, same value)
 * allows.
 */
export function readBatchAnswer(body: string, noResponders: boolean): BatchAnswer {
  if (noResponders) return { ended: true, stored: 0, error: 'no stream listens on this subject' };
  if (body.startsWith('{"type":')) return { ended: false };
  let ack: { error?: { description?: string }; count?: number };
  try {
    ack = JSON.parse(body) as typeof ack;
  } catch {
    return { ended: true, stored: 0, error: 'unreadable batch ack' };
  }
  if (ack.error) return { ended: true, stored: 0, error: ack.error.description ?? 'batch refused' };
  return { ended: true, stored: ack.count ?? 0 };
}

export interface BatchItem {
  subject: string;
  data: string;
  done: PublishDone;
}

interface OpenBatch {
  items: BatchItem[];
  deadline: number;
}

const decoder = new TextDecoder();

/**
 * Calls every item's `done` once, even when one throws (a task hanging for want of its callback
 * is worse than the throw); the first throw is rethrown afterwards, not swallowed.
 */
export function settle(items: readonly BatchItem[], err: Error | undefined): void {
  let failure: { error: unknown } | undefined;
  for (const item of items) {
    try {
      item.done(err);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/**
 * Sends messages as fast batches on one inbox. Each item's `done` is called once: with no error
 * when the server has stored it. Items the server did not store (the batch refused or ended early)
 * go to `unstored`, which sends them one by one, so a batch's failure costs speed, never a record,
 * and each item's own error, if any, is the one-by-one publish's. No answer within `timeoutMs`
 * (a lost answer, or a clustered stream's new leader that reset the batch and waits for a resend
 * the publisher does not make) hands the batch's items to `unstored` too.
 */
export class FastBatchPublisher {
  private readonly inbox = createInbox();
  /** Batch ids are unique per stream among open batches: a nuid (22 characters) and a counter. */
  private readonly idPrefix = nuid.next();
  private next = 0;
  private readonly open = new Map<string, OpenBatch>();
  private items = 0;
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly nc: NatsConnection;
  private readonly timeoutMs: number;
  private readonly unstored: (items: BatchItem[], why: string) => void;

  constructor(nc: NatsConnection, timeoutMs: number, unstored: (items: BatchItem[], why: string) => void) {
    this.nc = nc;
    this.timeoutMs = timeoutMs;
    this.unstored = unstored;
    this.sub = nc.subscribe(`${this.inbox}.>`, {
      callback: (err, msg) => {
        if (err) return this.failAll(err);
        const start = this.inbox.length + 1;
        const id = msg.subject.slice(start, msg.subject.indexOf('.', start));
        const batch = this.open.get(id);
        if (!batch) return; // answered already (a later message's notice), or timed out
        const answer = readBatchAnswer(decoder.decode(msg.data), msg.headers?.code === 503);
        if (!answer.ended) return;
        this.end(id, batch);
        const stored = Math.min(answer.stored, batch.items.length);
        try {
          settle(batch.items.slice(0, stored), undefined);
        } finally {
          if (stored < batch.items.length) this.unstored(batch.items.slice(stored), answer.error ?? 'batch ended early');
        }
      },
    });
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs(timeoutMs));
    this.sweeper.unref();
  }

  /** Items sent in batches and not yet answered. */
  get inFlight(): number {
    return this.items;
  }

  /** Sends `items` (two or more) as one batch, in order. */
  send(items: BatchItem[]): void {
    const id = `${this.idPrefix}${this.next++}`;
    const batch = { items, deadline: Date.now() + this.timeoutMs };
    this.open.set(id, batch);
    this.items += items.length;
    try {
      for (let i = 0; i < items.length; i++) this.nc.publish(items[i]!.subject, items[i]!.data, { reply: fastBatchReply(this.inbox, id, i + 1, items.length) });
    } catch (e) {
      // Closed or draining connection: nothing more of this batch goes out, and what did is not waited for.
      this.end(id, batch);
      settle(items, e as Error);
    }
  }

  /** Fails every item still waiting (used on close). */
  close(): void {
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    this.failAll(new Error('publisher closed'));
  }

  private end(id: string, batch: OpenBatch): void {
    this.open.delete(id);
    this.items -= batch.items.length;
  }

  private sweep(): void {
    const now = Date.now();
    const late: BatchItem[] = [];
    for (const [id, batch] of this.open) {
      if (batch.deadline > now) continue;
      this.end(id, batch);
      late.push(...batch.items);
    }
    if (late.length > 0) this.unstored(late, `no batch ack within ${this.timeoutMs} ms`);
  }

  private failAll(err: Error): void {
    const open = [...this.open.values()];
    this.open.clear();
    this.items = 0;
    settle(open.flatMap((b) => b.items), err);
  }
}
