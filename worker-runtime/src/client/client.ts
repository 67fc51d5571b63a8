import { createHash, randomUUID } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { HEADERS, assertQueueName, assertTaskName, encodeJson, isValidTaskId, taskSubject } from '../protocol.ts';
import { ResultStore, unwrapResult } from '../results.ts';
import type { TaskDefinition } from '../task.ts';
import { connectNats, type NatsSettings } from '../connection.ts';
import { AckingPublisher } from './publisher.ts';
import { makeHandle, type TaskHandle } from './handle.ts';

export interface EnqueueOptions {
  /** The queue; default: the task's `queue` option, else the client's queue. */
  queue?: string;
  /** Task id (the result key). Default: derived from `idempotencyKey`, else a random UUID. */
  id?: string;
  /**
   * Enqueueing the same key twice within the queue's dedupe window runs the task once (JetStream
   * `Nats-Msg-Id`). Both calls return a handle with the same id.
   */
  idempotencyKey?: string;
  /** Sent as `Celeriac-Meta-<name>` headers; the handler sees them as `ctx.metadata`. */
  metadata?: Record<string, string>;
}

export interface ClientOptions {
  /** Default queue for tasks that name none. */
  queue?: string;
  publishTimeoutMs?: number;
}

/** Anything that can enqueue: the real Client, or the in-process eager client of `celeriac/testing`. */
export interface TaskProducer {
  enqueue<P, R>(task: TaskDefinition<P, R>, payload: P, options?: EnqueueOptions): Promise<TaskHandle<Awaited<R>>>;
  enqueueMany<P, R>(task: TaskDefinition<P, R>, payloads: readonly P[], options?: Omit<EnqueueOptions, 'id' | 'idempotencyKey'>): Promise<TaskHandle<Awaited<R>>[]>;
}

/** Deterministic id from an idempotency key, so a duplicate enqueue returns the same task id. */
function idFromKey(key: string): string {
  return 'k-' + createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

/** Producer side: enqueue tasks onto JetStream and read their results. */
export class Client implements TaskProducer {
  readonly nc: NatsConnection;
  private readonly publisher: AckingPublisher;
  private readonly stores = new Map<string, ResultStore>();
  private readonly defaultQueue: string | undefined;
  private readonly ownsConnection: boolean;

  constructor(nc: NatsConnection, options: ClientOptions = {}, ownsConnection = false) {
    if (options.queue) assertQueueName(options.queue);
    this.nc = nc;
    this.defaultQueue = options.queue;
    this.ownsConnection = ownsConnection;
    this.publisher = new AckingPublisher(nc, options.publishTimeoutMs ?? DEFAULTS.publishTimeoutMs);
  }

  /** Connects to NATS and returns a client that closes the connection on `close()`. */
  static async connect(settings: NatsSettings & ClientOptions): Promise<Client> {
    const nc = await connectNats(settings);
    return new Client(nc, settings, true);
  }

  async enqueue<P, R>(task: TaskDefinition<P, R> | string, payload: P, options: EnqueueOptions = {}): Promise<TaskHandle<Awaited<R>>> {
    const name = typeof task === 'string' ? task : task.name;
    const queue = this.queueFor(task, options);
    const { id, hdrs } = this.headersFor(options);
    const ack = await this.publisher.publish(taskSubject(queue, name), encodeJson(payload), hdrs);
    return makeHandle({ id, task: name, queue, seq: ack.seq, duplicate: ack.duplicate }, this.store(queue));
  }

  /** Publishes all payloads at once (pipelined) and waits for every ack. */
  async enqueueMany<P, R>(
    task: TaskDefinition<P, R> | string,
    payloads: readonly P[],
    options: Omit<EnqueueOptions, 'id' | 'idempotencyKey'> = {},
  ): Promise<TaskHandle<Awaited<R>>[]> {
    const name = typeof task === 'string' ? task : task.name;
    const queue = this.queueFor(task, options);
    const subject = taskSubject(queue, name);
    const store = this.store(queue);
    const sent = payloads.map((payload) => {
      const { id, hdrs } = this.headersFor(options);
      return this.publisher.publish(subject, encodeJson(payload), hdrs).then((ack) =>
        makeHandle<Awaited<R>>({ id, task: name, queue, seq: ack.seq, duplicate: ack.duplicate }, store),
      );
    });
    return Promise.all(sent);
  }

  /** The current result record of a task id; undefined while pending. */
  status(id: string, queue?: string) {
    return this.store(this.queueFor(undefined, { ...(queue ? { queue } : {}) })).read(id);
  }

  /** Waits for a task's final result by id (e.g. an id from another process). */
  async result<R = unknown>(id: string, opts: { queue?: string; timeoutMs?: number } = {}): Promise<R> {
    const store = this.store(this.queueFor(undefined, opts));
    return unwrapResult<R>(await store.waitFinal(id, opts.timeoutMs ?? DEFAULTS.resultTimeoutMs));
  }

  async close(): Promise<void> {
    this.publisher.close();
    if (this.ownsConnection) await this.nc.close();
  }

  private store(queue: string): ResultStore {
    let s = this.stores.get(queue);
    if (!s) this.stores.set(queue, (s = new ResultStore(this.nc, queue)));
    return s;
  }

  private queueFor(task: { options: { queue?: string | undefined } } | string | undefined, options: { queue?: string }): string {
    const queue = options.queue ?? (typeof task === 'object' ? task.options.queue : undefined) ?? this.defaultQueue;
    if (!queue) throw new TypeError('no queue: pass { queue } to the Client, the task or the call');
    assertQueueName(queue);
    if (typeof task === 'string') assertTaskName(task);
    return queue;
  }

  private headersFor(options: EnqueueOptions) {
    const id = options.id ?? (options.idempotencyKey !== undefined ? idFromKey(options.idempotencyKey) : randomUUID());
    if (!isValidTaskId(id)) throw new TypeError(`invalid task id ${JSON.stringify(id)}`);
    const hdrs = natsHeaders();
    hdrs.set(HEADERS.id, id);
    // Dedupe on the idempotency key when given, else on the id: a retried enqueue after a lost ack is then harmless.
    hdrs.set(HEADERS.msgId, options.idempotencyKey ?? id);
    hdrs.set(HEADERS.enqueuedAt, String(Date.now()));
    if (options.metadata) {
      for (const [k, v] of Object.entries(options.metadata)) hdrs.set(HEADERS.metaPrefix + k, v);
    }
    return { id, hdrs };
  }
}
