import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { FAILED_STATES, FINAL_STATES, queueNames, type FailedState, type ResultRecord } from './protocol.ts';
import { TaskFailedError, TimeoutError } from './errors.ts';

const decoder = new TextDecoder();

/** Thrown when a queue has results turned off (no result bucket) and a caller asks for one. */
export class ResultsDisabledError extends Error {
  override readonly name = 'ResultsDisabledError';
}

/** Reads and writes result records of one queue's result bucket. */
export class ResultStore {
  private bucket: Promise<KV | undefined> | undefined;
  private readonly nc: NatsConnection;
  readonly queue: string;

  constructor(nc: NatsConnection, queue: string) {
    this.nc = nc;
    this.queue = queue;
  }

  /** The bucket, or undefined when the queue has results off. Cached after the first lookup. */
  kv(): Promise<KV | undefined> {
    this.bucket ??= new Kvm(this.nc).open(queueNames(this.queue).resultBucket).then(
      async (kv) => {
        try {
          await kv.status(); // open() is lazy: status() proves the bucket exists
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

  /** `write` for a record the caller already serialised (to learn early that it can be). */
  async writeSerialized(id: string, json: string): Promise<boolean> {
    const kv = await this.kv();
    if (!kv) return false;
    await kv.put(id, json);
    return true;
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
