import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { validateKey } from '@nats-io/kv/internal';
import { AckingPublisher } from './client/publisher.ts';
import { FastBatchPublisher, settle, type BatchItem } from './client/fast-batch.ts';
import { DEFAULTS } from './defaults.ts';
import { EndOfTurn } from './end-of-turn.ts';
import { FAILED_STATES, FINAL_STATES, queueNames, type FailedState, type ResultRecord } from './protocol.ts';
import { TaskFailedError, TimeoutError } from './errors.ts';

const decoder = new TextDecoder();

/** Thrown when a queue has results turned off (no result bucket) and a caller asks for one. */
export class ResultsDisabledError extends Error {
  override readonly name = 'ResultsDisabledError';
}

/** Called once per `record`: with no error once the record is stored, else with why it is not. */
export type RecordDone = (err: Error | undefined) => void;

/** Reads and writes result records of one queue's result bucket. */
export class ResultStore {
  private bucket: Promise<KV | undefined> | undefined;
  /** `$KV.<bucket>`, the subject prefix `kv.put` publishes to; unset for a mirrored bucket. */
  private subjectPrefix: string | undefined;
  private publisher: AckingPublisher | undefined;
  /** Set when the bucket takes fast batches (`allow_batched`, nats-server 2.14): see `sendQueued`. */
  private batcher: FastBatchPublisher | undefined;
  private batchesPausedUntil = 0;
  private batchesOn = false;
  /** Records waiting for this loop turn's send, in order: see `record`. */
  private queued: BatchItem[] = [];
  /** The turn's final records (`record(..., true)`), sent after `queued`, batched when they can be. */
  private queuedFinal: BatchItem[] = [];
  private readonly sendQueuedNow = () => this.sendQueued();
  private readonly nc: NatsConnection;
  private readonly turn: EndOfTurn;
  readonly queue: string;

  /** `turn`: the worker shares its acks' one, so a turn's records and acks leave in one write. */
  constructor(nc: NatsConnection, queue: string, turn = new EndOfTurn()) {
    this.nc = nc;
    this.queue = queue;
    this.turn = turn;
  }

  /** The bucket, or undefined when the queue has results off. Cached after the first lookup. */
  kv(): Promise<KV | undefined> {
    const name = queueNames(this.queue).resultBucket;
    this.bucket ??= new Kvm(this.nc).open(name).then(
      async (kv) => {
        try {
          const status = await kv.status(); // open() is lazy: status() proves the bucket exists
          // A mirror's writes go to its origin's subjects: leave those to kv.put, which knows them.
          this.subjectPrefix = status.streamInfo.config.mirror ? undefined : `$KV.${name}`;
          this.batchesOn = status.streamInfo.config.allow_batched === true;
          return kv;
        } catch {
          this.bucket = undefined; // look again next time: the operator may create it later
          return undefined;
        }
      },
      () => {
        this.bucket = undefined;
        return undefined;
      },
    );
    return this.bucket;
  }

  async write(record: ResultRecord): Promise<boolean> {
    return this.writeSerialized(record.id, JSON.stringify(record));
  }

  /**
   * `write` for a record the caller already serialised (to learn early that it can be). Resolves
   * once the record is stored: on the pipelined path of `record` (no request and reply
   * subscription per write, and in order with the final records), or with `kv.put` for a
   * mirrored bucket.
   */
  async writeSerialized(id: string, json: string): Promise<boolean> {
    const kv = await this.kv();
    if (!kv) return false;
    if (this.subjectPrefix === undefined) {
      await kv.put(id, json);
      return true;
    }
    await new Promise<void>((resolve, reject) => this.record(id, json, (err) => (err ? reject(err) : resolve())));
    return true;
  }

  /**
   * The worker's pipelined write: what `kv.put` sends (the record on `$KV.<bucket>.<key>`, no
   * headers), as a core publish whose JetStream ack comes back on a shared inbox, so many records
   * are in flight at once instead of one request each. `done` is called once the server has
   * stored the record (or has refused it, or did not answer within `publishTimeoutMs`): a task is
   * acked only after its record is durable. Records of one connection are stored in the order
   * they were sent, as kv.put's are. Call after `kv()` found the bucket; the worker does at start.
   * The Kvm here has no JetStream domain or API prefix; a mirrored bucket falls back to `kv.put`.
   *
   * Sent on `setImmediate`, like the worker's acks (worker/ack-batch.ts): nats.js writes to the
   * socket once per microtask checkpoint, and a consume loop reaches one per message, so records
   * sent at once would cost a `write(2)` each; deferred, a loop turn's records share one.
   *
   * `final`: the task's last record (its attempt waits for it before it acks, and writes nothing
   * after it), so it may go in a fast batch, whose unstored records are sent again later: a record
   * that could be followed by another of the same task is sent one by one, in order, instead.
   */
  record(id: string, json: string, done: RecordDone, final = false): void {
    if (this.subjectPrefix === undefined) {
      this.writeSerialized(id, json).then(
        (stored) => done(stored ? undefined : new ResultsDisabledError(`queue ${this.queue} has no result bucket`)),
        (err: unknown) => done(err as Error),
      );
      return;
    }
    try {
      validateKey(id); // kv.put's own check: a key with a wildcard or empty token is no subject
    } catch (err) {
      done(err as Error);
      return;
    }
    if (this.queued.length === 0 && this.queuedFinal.length === 0) this.turn.defer(this.sendQueuedNow);
    (final ? this.queuedFinal : this.queued).push({ subject: `${this.subjectPrefix}.${id}`, data: json, done });
  }

  /** Records handed to `record` whose outcome is not known yet. */
  get inFlight(): number {
    return this.queued.length + this.queuedFinal.length + (this.publisher?.inFlight ?? 0) + (this.batcher?.inFlight ?? 0);
  }

  /**
   * Sends the turn's records: the final ones as one fast batch when the bucket takes them and
   * there are two or more (one ack for the batch instead of one per record:
   * client/fast-batch.ts), the rest one by one, first. Records the server did not store from a
   * batch are sent again one by one, and batches pause for `fastBatchPauseMs`; a record is still
   * stored, or failed with its own error, either way.
   */
  private sendQueued(): void {
    const earlier = this.queued;
    const records = this.queuedFinal;
    // Taken before sending: a throw below must not leave them queued, where no turn flushes them.
    this.queued = [];
    this.queuedFinal = [];
    try {
      this.sendOneByOne(earlier);
    } finally {
      this.sendFinal(records);
    }
  }

  private sendFinal(records: BatchItem[]): void {
    if (records.length >= 2 && this.batchesOn && Date.now() >= this.batchesPausedUntil) {
      let batcher;
      try {
        batcher = this.batcher ??= new FastBatchPublisher(this.nc, DEFAULTS.publishTimeoutMs, (unstored) => {
          this.batchesPausedUntil = Date.now() + DEFAULTS.fastBatchPauseMs;
          this.sendOneByOne(unstored);
        });
      } catch (err) {
        return settle(records, err as Error); // its inbox cannot be subscribed: the connection is closing
      }
      batcher.send(records);
      return;
    }
    this.sendOneByOne(records);
  }

  private sendOneByOne(records: BatchItem[]): void {
    if (records.length === 0) return;
    let publisher;
    try {
      publisher = this.publisher ??= new AckingPublisher(this.nc, DEFAULTS.publishTimeoutMs);
    } catch (err) {
      return settle(records, err as Error);
    }
    // Only whether the record is stored matters, not where: the ack's body is not decoded.
    for (const r of records) publisher.send(r.subject, r.data, undefined, r.done, false);
  }

  /** Stops waiting for acks of pipelined records: each still queued or pending gets an error. */
  close(): void {
    this.turn.cancel(this.sendQueuedNow);
    const err = new Error('result store closed');
    const unsent = [...this.queued.splice(0), ...this.queuedFinal.splice(0)];
    this.publisher?.close();
    this.publisher = undefined;
    this.batcher?.close();
    this.batcher = undefined;
    settle(unsent, err);
  }

  async read(id: string): Promise<ResultRecord | undefined> {
    const kv = await this.kv();
    if (!kv) throw new ResultsDisabledError(`queue ${this.queue} has no result bucket (results are off)`);
    const entry = await kv.get(id);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return JSON.parse(decoder.decode(entry.value)) as ResultRecord;
  }

  /** Resolves with the final record, watching the key so a result is seen the moment it is written. */
  async waitFinal(id: string, timeoutMs: number): Promise<ResultRecord> {
    const kv = await this.kv();
    if (!kv) throw new ResultsDisabledError(`queue ${this.queue} has no result bucket (results are off)`);
    const watch = await kv.watch({ key: id });
    const timer = setTimeout(() => watch.stop(), timeoutMs);
    try {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT') continue;
        const record = JSON.parse(decoder.decode(entry.value)) as ResultRecord;
        if (FINAL_STATES.has(record.state)) return record;
      }
    } finally {
      clearTimeout(timer);
      watch.stop();
    }
    throw new TimeoutError(`no result for task ${id} within ${timeoutMs} ms`);
  }
}

/** The handler's value for a succeeded record; a TaskFailedError for failed or dead ones. */
export function unwrapResult<R>(record: ResultRecord): R {
  if (record.state === 'succeeded') return record.result as R;
  if (FAILED_STATES.has(record.state)) throw new TaskFailedError(record.id, record.state as FailedState, record.error);
  throw new Error(`task ${record.id} has not finished (state ${record.state})`);
}
