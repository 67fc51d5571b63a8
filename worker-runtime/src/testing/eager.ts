import { randomUUID } from 'node:crypto';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { pino, type Logger } from 'pino';
import { idFromKey } from '../client/task-id.ts';
import type { EnqueueItem, EnqueueManyOptions, EnqueueOptions, TaskProducer } from '../client/client.ts';
import { resolveTiming } from '../client/timing.ts';
import { assertLaneOptions } from '../lanes/routing.ts';
import type { TaskHandle } from '../client/handle.ts';
import { DEFAULTS } from '../defaults.ts';
import { TimeoutError } from '../errors.ts';
import { HEADERS, encodeJson, taskSubject, type ResultRecord } from '../protocol.ts';
import { unwrapResult } from '../results.ts';
import type { RetryPolicy } from '../retry.ts';
import type { DeclaredTask, TaskDefinition } from '../task.ts';
import { AckBatch } from '../worker/ack-batch.ts';
import { InFlight } from '../worker/in-flight.ts';
import { WorkerMetrics } from '../worker/metrics.ts';
import { PeerRegistry } from '../worker/peers.ts';
import { registerTasks } from '../worker/registry.ts';
import type { RegisteredTask, ResultSink, RunDeps } from '../worker/run-deps.ts';
import { runTask } from '../worker/run-task.ts';
import { TaskTimeoutError } from '../errors.ts';
import { EagerMessage } from './eager-message.ts';

export interface EagerOptions {
  /** Retry policy for tasks that define none. */
  defaultRetry?: RetryPolicy;
  /** Per-attempt time limit for tasks that define none (the worker's `defaultTimeoutMs`). */
  defaultTimeoutMs?: number;
  /** Hard time limit for tasks that define none (the worker's `defaultHardTimeLimitMs`). */
  defaultHardTimeLimitMs?: number;
  /** Really wait between retries (default false: tests should not sleep through backoff). */
  sleepBetweenRetries?: boolean;
  /**
   * Handlers for tasks the code under test only declares (`declareTask`): enqueueing a declared
   * task runs the definition of the same name given here.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  tasks?: ReadonlyArray<TaskDefinition<any, any>>;
  /** Handlers' `ctx.log`; silent by default. */
  logger?: Logger;
}

/**
 * How often an eager attempt's time limit is checked. A real worker checks every
 * min(1 s, ackWait / 3); eager mode checks more often so a test of a timeout does not wait a
 * second for it. The decision (expire, retry or fail) is the worker's own code.
 */
const EAGER_ACK_WAIT_MS = 300;

/** Eager mode has no server: nothing on the run path publishes (dead letters are off, every task is registered). */
const NO_SERVER = new Proxy({}, {
  get() {
    throw new Error('eager mode has no NATS server');
  },
}) as JetStreamClient;

/**
 * Celery's eager mode: `enqueue` runs the handler in this process right away, and no server.
 * It is the worker's own code: each delivery goes through the Worker's run path (admission,
 * schema validation, the attempt with its time limit, the retry decision and its effects), on an
 * in-memory message and result map, so the records are the ones a real worker writes (less the
 * dead-letter copy: eager mode has no dead-letter stream). Retries are redelivered at once unless
 * `sleepBetweenRetries`. For unit tests of task code; integration tests should use a real
 * nats-server (`startNatsServer`).
 * `delay`, `runAt`, `ttl` and `expiresAt` are validated as the Client validates them, then
 * ignored: like Celery's eager mode, every task runs at once and nothing expires.
 */
export class EagerClient implements TaskProducer {
  /** Every record, by task id, in the states a real result bucket would hold. */
  readonly records = new Map<string, ResultRecord>();
  private readonly opts: EagerOptions;
  private readonly seen = new Set<string>();
  private readonly metrics = new WorkerMetrics('eager', { processMetrics: false, inFlight: () => 0 });
  private readonly registered = new Map<TaskDefinition<unknown, unknown>, RegisteredTask>();
  private seq = 0;

  constructor(opts: EagerOptions = {}) {
    this.opts = opts;
  }

  async enqueue<P, R>(task: DeclaredTask<P, R>, payload: NoInfer<P>, options: EnqueueOptions = {}): Promise<TaskHandle<Awaited<R>>> {
    const def = this.definitionOf(task);
    // Time and lane options are checked as the real client checks them, then ignored (see above).
    resolveTiming(options, Date.now());
    assertLaneOptions(options);
    // The ids a real Client gives: the same key gives the same id in tests and in production.
    const id = options.id ?? (options.idempotencyKey !== undefined ? idFromKey(options.idempotencyKey) : randomUUID());
    const duplicate = options.idempotencyKey !== undefined && this.seen.has(options.idempotencyKey);
    if (options.idempotencyKey !== undefined) this.seen.add(options.idempotencyKey);
    const queue = options.queue ?? task.options.queue ?? 'eager';
    const headers: Record<string, string> = { [HEADERS.id]: id, [HEADERS.enqueuedAt]: String(Date.now()) };
    for (const [k, v] of Object.entries(options.metadata ?? {})) headers[HEADERS.metaPrefix + k] = v;
    // Encoded as on the wire: a payload that does not survive JSON fails here as it would there.
    if (!duplicate) await this.deliverUntilSettled(def, queue, encodeJson(payload), headers);
    return this.handle<Awaited<R>>(id, task.name, queue, duplicate);
  }

  /** Same signature as `Client.enqueueMany`; runs the items one after another. */
  async enqueueMany<P, R>(task: DeclaredTask<P, R>, items: readonly EnqueueItem<NoInfer<P>>[], options: EnqueueManyOptions = {}) {
    const out: TaskHandle<Awaited<R>>[] = [];
    for (const { payload, ...own } of items) {
      const metadata = options.metadata || own.metadata ? { ...options.metadata, ...own.metadata } : undefined;
      out.push(await this.enqueue(task, payload, { ...own, ...(options.queue ? { queue: options.queue } : {}), ...(metadata ? { metadata } : {}) }));
    }
    return out;
  }

  /** The task's own handler, or for a declared task the definition of its name in `options.tasks`. */
  private definitionOf(task: DeclaredTask<unknown, unknown>): TaskDefinition<unknown, unknown> {
    if ('handler' in task && typeof task.handler === 'function') return task as TaskDefinition<unknown, unknown>;
    const def = this.opts.tasks?.find((t) => t.name === task.name);
    if (!def) throw new TypeError(`task ${task.name} is only declared: pass its definition in new EagerClient({ tasks: [...] })`);
    return def;
  }

  /** Delivers the task as JetStream would: again after each nak, until it is acked or termed. */
  private async deliverUntilSettled(def: TaskDefinition<unknown, unknown>, queue: string, data: Uint8Array, headers: Record<string, string>) {
    const seq = ++this.seq;
    const inFlight = new InFlight(EAGER_ACK_WAIT_MS, (t) => new TaskTimeoutError(`task ${t.task} timed out after ${Date.now() - t.startedAt} ms`));
    const acks = new AckBatch();
    const deps = this.deps(def, queue, inFlight, acks);
    try {
      for (let delivery = 1; ; delivery++) {
        const msg = new EagerMessage(taskSubject(queue, def.name), data, headers, delivery, seq);
        runTask(msg as unknown as JsMsg, deps, () => undefined);
        const settled = await msg.settled;
        if (settled.kind !== 'nak') return;
        if (this.opts.sleepBetweenRetries && settled.delayMs > 0) await new Promise((r) => setTimeout(r, settled.delayMs));
      }
    } finally {
      acks.flush();
      inFlight.close();
    }
  }

  private deps(def: TaskDefinition<unknown, unknown>, queue: string, inFlight: InFlight, acks: AckBatch): RunDeps {
    let reg = this.registered.get(def);
    if (!reg) {
      reg = registerTasks([def], this.opts, this.metrics).get(def.name)!;
      this.registered.set(def, reg);
    }
    return {
      queue,
      tasks: new Map([[def.name, reg]]),
      js: NO_SERVER,
      results: this.sink(),
      inFlight,
      acks,
      metrics: this.metrics,
      log: this.opts.logger ?? pino({ level: 'silent' }),
      maxPayloadBytes: DEFAULTS.maxPayloadBytes,
      maxPayload: () => DEFAULTS.maxPayloadBytes,
      deadLetters: false,
      shutdown: new AbortController().signal,
      onCompleted: () => undefined,
      peers: { registry: new PeerRegistry(0), warmedUp: Promise.resolve(), isWarm: true },
      unknownTaskGraceMs: 0,
      ackWaitMs: EAGER_ACK_WAIT_MS,
    };
  }

  /** The result bucket of eager mode: `records`. */
  private sink(): ResultSink {
    const records = this.records;
    return {
      inFlight: 0,
      async write(record) {
        records.set(record.id, JSON.parse(JSON.stringify(record)) as ResultRecord); // as stored: JSON
        return true;
      },
      record(id, json, done) {
        records.set(id, JSON.parse(json) as ResultRecord);
        queueMicrotask(() => done(undefined));
      },
    };
  }

  private handle<R>(id: string, task: string, queue: string, duplicate: boolean): TaskHandle<R> {
    const records = this.records;
    return {
      id,
      task,
      queue,
      seq: 0,
      duplicate,
      async result() {
        const r = records.get(id);
        if (!r) throw new TimeoutError(`task ${id} has no result`);
        return unwrapResult<R>(r);
      },
      async status() {
        return records.get(id);
      },
    };
  }
}
