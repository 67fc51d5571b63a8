import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { HEADERS, assertQueueName, encodeJson, isValidTaskId, taskSubject, type ResultRecord } from '../protocol.ts';
import { ResultStore, unwrapResult } from '../results.ts';
import type { DeclaredTask } from '../task.ts';
import { connectNats, type NatsSettings } from '../connection.ts';
import { AckingPublisher, type PublishAck } from './publisher.ts';
import { cancelTask, type CancelOptions, type CancelOutcome } from '../cancel/request.ts';
import { makeHandle, type TaskHandle } from './handle.ts';
import { readRateLimits, removeRateLimit, setRateLimit, type RateLimitEntry } from '../rate-limit/store.ts';
import type { RateLimit, RateLimitSpec } from '../rate-limit/limit.ts';
import { idFromKey } from './task-id.ts';
import { publishDelayed } from './delayed.ts';
import { ScheduleSupport } from './schedule-support.ts';
import { assertSchedulableId, resolveTiming, setTimingHeaders, type Timing, type TimingOptions } from './timing.ts';
import { startSendSpan } from '../tracing/spans.ts';
import { listAppSchedules, scheduleTask, unscheduleTask, type AppSchedule, type ScheduleOptions } from './schedules.ts';
import { LaneRouting, assertLaneOptions, wantsLane, type LaneOptions } from '../lanes/routing.ts';

export interface EnqueueOptions extends TimingOptions, LaneOptions {
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
  /** The key of a task with a per-key concurrency limit (`Celeriac-Concurrency-Key`); wins over its key function. */
  concurrencyKey?: string;
}

/** One task of an `enqueueMany`: its payload and what differs per task. */
export interface EnqueueItem<P> extends TimingOptions, LaneOptions {
  payload: P;
  id?: string;
  idempotencyKey?: string;
  /** Merged over the shared metadata of the call. */
  metadata?: Record<string, string>;
  /** As `EnqueueOptions.concurrencyKey`. */
  concurrencyKey?: string;
}

/** What all tasks of one `enqueueMany` share. */
export interface EnqueueManyOptions {
  queue?: string;
  metadata?: Record<string, string>;
}

export interface ClientOptions {
  /** Default queue for tasks that name none. */
  queue?: string;
  publishTimeoutMs?: number;
}

/** Anything that can enqueue: the real Client, or the in-process eager client of `celeriac/testing`. */
export interface TaskProducer {
  enqueue<P, R>(task: DeclaredTask<P, R>, payload: NoInfer<P>, options?: EnqueueOptions): Promise<TaskHandle<Awaited<R>>>;
  enqueueMany<P, R>(task: DeclaredTask<P, R>, items: readonly EnqueueItem<NoInfer<P>>[], options?: EnqueueManyOptions): Promise<TaskHandle<Awaited<R>>[]>;
}


/**
 * Producer side: enqueue tasks onto JetStream and read their results. `Client.connect()` opens
 * and owns its connection; `new Client(nc)` borrows one the caller keeps and closes.
 */
export class Client implements TaskProducer {
  readonly nc: NatsConnection;
  private readonly publisher: AckingPublisher;
  private readonly stores = new Map<string, ResultStore>();
  private readonly defaultQueue: string | undefined;
  private readonly scheduleSupport: ScheduleSupport;
  private readonly lanes: LaneRouting;
  /** Set by `connect()` only: `close()` then closes the connection too. */
  #ownsConnection = false;

  constructor(nc: NatsConnection, options: ClientOptions = {}) {
    if (options.queue) assertQueueName(options.queue);
    this.nc = nc;
    this.defaultQueue = options.queue;
    this.publisher = new AckingPublisher(nc, options.publishTimeoutMs ?? DEFAULTS.publishTimeoutMs);
    this.scheduleSupport = new ScheduleSupport(nc);
    this.lanes = new LaneRouting(nc);
  }

  /** Connects to NATS and returns a client whose `close()` also closes that connection. */
  static async connect(options: NatsSettings & ClientOptions): Promise<Client> {
    const nc = await connectNats(options);
    const client = new Client(nc, options);
    client.#ownsConnection = true;
    return client;
  }

  async enqueue<P, R>(task: DeclaredTask<P, R>, payload: NoInfer<P>, options: EnqueueOptions = {}): Promise<TaskHandle<Awaited<R>>> {
    const queue = this.queueFor(task, options);
    assertLaneOptions(options);
    // A priority or fairness key picks a lane (lanes/routing.ts); without them nothing changes.
    const subject = wantsLane(options) ? await this.lanes.subject(queue, task.name, options) : taskSubject(queue, task.name);
    const prepared = this.headersFor(options, subject);
    const { id } = prepared;
    const ack = await this.publishTask(queue, task.name, subject, encodeJson(payload), prepared);
    return makeHandle({ id, task: task.name, queue, seq: ack.seq, duplicate: ack.duplicate }, this.store(queue));
  }

  /** Publishes all items at once (pipelined) and waits for every ack; handles come back in item order. */
  async enqueueMany<P, R>(
    task: DeclaredTask<P, R>,
    items: readonly EnqueueItem<NoInfer<P>>[],
    options: EnqueueManyOptions = {},
  ): Promise<TaskHandle<Awaited<R>>[]> {
    const queue = this.queueFor(task, options);
    const store = this.store(queue);
    for (const item of items) assertLaneOptions(item);
    const subjects = await Promise.all(items.map((item) => (wantsLane(item) ? this.lanes.subject(queue, task.name, item) : taskSubject(queue, task.name))));
    // Ids and headers first, so a bad item fails the call before anything is published.
    const prepared = items.map((item, i) => ({ item, subject: subjects[i]!, ...this.headersFor(withSharedMetadata(item, options.metadata), subjects[i]!) }));
    const sent = prepared.map(({ item, subject, ...p }) =>
      this.publishTask(queue, task.name, subject, encodeJson(item.payload), p).then((ack) =>
        makeHandle<Awaited<R>>({ id: p.id, task: task.name, queue, seq: ack.seq, duplicate: ack.duplicate }, store),
      ),
    );
    return Promise.all(sent);
  }

  /** The current result record of a task id; undefined while pending. */
  status(id: string, options: { queue?: string } = {}): Promise<ResultRecord | undefined> {
    return this.store(this.queueFor(undefined, options)).read(id);
  }

  /** Waits for a task's final result by id (e.g. an id from another process). */
  async result<R = unknown>(id: string, options: { queue?: string; timeoutMs?: number } = {}): Promise<R> {
    const store = this.store(this.queueFor(undefined, options));
    return unwrapResult<R>(await store.waitFinal(id, options.timeoutMs ?? DEFAULTS.resultTimeoutMs));
  }

  /** Cancels a queued, delayed or running task by id: see `cancelTask` (celeriac's cancel/request.ts). */
  cancel(id: string, options: CancelOptions & { queue?: string } = {}): Promise<CancelOutcome> {
    return cancelTask(this.nc, this.queueFor(undefined, options), id, options);
  }

  /**
   * Sets or changes a rate limit at run time (rate-limit/store.ts): `{ task: 'email.send',
   * perSecond: 100 }` for one task, no `task` for the whole queue. Workers apply it within a second.
   */
  setRateLimit(limit: RateLimitSpec & { task?: string; queue?: string }): Promise<RateLimit> {
    return setRateLimit(this.nc, this.queueFor(undefined, limit), { task: limit.task }, limit);
  }

  /** Removes a rate limit set at run time; `task` omitted = the queue-wide one. */
  removeRateLimit(scope: { task?: string; queue?: string } = {}): Promise<void> {
    return removeRateLimit(this.nc, this.queueFor(undefined, scope), { task: scope.task });
  }

  /** The rate limits stored for a queue (from the TaskQueue and from `setRateLimit`). */
  rateLimits(options: { queue?: string } = {}): Promise<RateLimitEntry[]> {
    return readRateLimits(this.nc, this.queueFor(undefined, options));
  }

  /** Creates or replaces a periodic schedule the NATS server fires (client/schedules.ts, docs/concepts.md). */
  schedule<P>(options: ScheduleOptions<P>): Promise<AppSchedule> {
    return scheduleTask(this.nc, this.queueFor(options.task, options), options);
  }

  /** The app-made periodic schedules of a queue (not those of the TaskQueue's spec). */
  schedules(options: { queue?: string } = {}): Promise<AppSchedule[]> {
    return listAppSchedules(this.nc, this.queueFor(undefined, options));
  }

  unschedule(name: string, options: { queue?: string } = {}): Promise<void> {
    return unscheduleTask(this.nc, this.queueFor(undefined, options), name);
  }

  async close(): Promise<void> {
    this.publisher.close();
    if (this.#ownsConnection) await this.nc.close();
  }

  private store(queue: string): ResultStore {
    let s = this.stores.get(queue);
    if (!s) this.stores.set(queue, (s = new ResultStore(this.nc, queue)));
    return s;
  }

  private queueFor(task: { options: { queue?: string | undefined } } | undefined, options: { queue?: string }): string {
    const queue = options.queue ?? task?.options.queue ?? this.defaultQueue;
    if (!queue) throw new TypeError('no queue: pass { queue } to the Client, the task or the call');
    assertQueueName(queue);
    return queue;
  }

  /** A task due now goes to its task subject; a delayed one becomes a schedule (client/delayed.ts). */
  private publishTask(queue: string, task: string, subject: string, data: Uint8Array, p: { id: string; hdrs: MsgHdrs; now: number; timing: Timing }): Promise<PublishAck> {
    // With an OpenTelemetry SDK registered: a `send` span, its context in the message's headers.
    const endSpan = startSendSpan(p.hdrs, { queue, task, subject, id: p.id });
    const sent = this.publishNowOrLater(queue, task, subject, data, p);
    if (endSpan) sent.then(() => endSpan(), endSpan);
    return sent;
  }

  private publishNowOrLater(queue: string, task: string, subject: string, data: Uint8Array, p: { id: string; hdrs: MsgHdrs; now: number; timing: Timing }): Promise<PublishAck> {
    const { runAt, expiresAt } = p.timing;
    if (runAt === undefined) return this.publisher.publish(subject, data, p.hdrs);
    const delayed = { queue, task, id: p.id, data, hdrs: p.hdrs, enqueuedAt: p.now, runAt, expiresAt };
    return publishDelayed(delayed, this.publisher, this.scheduleSupport, this.store(queue));
  }

  private headersFor(options: Omit<EnqueueOptions, 'queue'>, subject: string) {
    const now = Date.now();
    const timing = resolveTiming(options, now);
    const id = options.id ?? (options.idempotencyKey !== undefined ? idFromKey(options.idempotencyKey) : randomUUID());
    if (!isValidTaskId(id)) throw new TypeError(`invalid task id ${JSON.stringify(id)}`);
    if (timing.runAt !== undefined) assertSchedulableId(id);
    const hdrs = natsHeaders();
    hdrs.set(HEADERS.id, id);
    // Dedupe on the idempotency key when given, else on the id: a retried enqueue after a lost ack is then harmless.
    hdrs.set(HEADERS.msgId, options.idempotencyKey ?? id);
    hdrs.set(HEADERS.enqueuedAt, String(now));
    if (options.metadata) {
      for (const [k, v] of Object.entries(options.metadata)) hdrs.set(HEADERS.metaPrefix + k, v);
    }
    if (options.concurrencyKey) hdrs.set(HEADERS.concurrencyKey, options.concurrencyKey);
    if (options.fairnessKey !== undefined) hdrs.set(HEADERS.fairnessKey, options.fairnessKey);
    setTimingHeaders(hdrs, timing, subject);
    return { id, hdrs, now, timing };
  }
}

/** An item's options with the call's shared metadata under its own. */
function withSharedMetadata<P>(item: EnqueueItem<P>, shared: Record<string, string> | undefined): Omit<EnqueueOptions, 'queue'> {
  if (!shared) return item;
  return { ...item, metadata: { ...shared, ...item.metadata } };
}
