import { randomUUID } from 'node:crypto';
import { describeError, PayloadValidationError, TimeoutError } from '../errors.ts';
import { unwrapResult } from '../results.ts';
import type { EnqueueItem, EnqueueManyOptions, EnqueueOptions, TaskProducer } from '../client/client.ts';
import { resolveTiming } from '../client/timing.ts';
import type { TaskHandle } from '../client/handle.ts';
import type { ResultRecord } from '../protocol.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from '../retry.ts';
import { validatePayload } from '../schema.ts';
import type { DeclaredTask, TaskContext, TaskDefinition } from '../task.ts';
import { decideFailure, deadState } from '../worker/failure-decision.ts';
import { pino } from 'pino';

export interface EagerOptions {
  /** Retry policy for tasks that define none. */
  defaultRetry?: RetryPolicy;
  /** Really wait between retries (default false: tests should not sleep through backoff). */
  sleepBetweenRetries?: boolean;
  /**
   * Handlers for tasks the code under test only declares (`declareTask`): enqueueing a declared
   * task runs the definition of the same name given here.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  tasks?: ReadonlyArray<TaskDefinition<any, any>>;
}

/**
 * Celery's eager mode: `enqueue` runs the handler in this process right away, with the same
 * payload validation, retry policy and result states as a real worker, and no server. For unit
 * tests of task code; integration tests should use a real nats-server (`startNatsServer`).
 * `delay`, `runAt`, `ttl` and `expiresAt` are validated, then ignored: every task runs at once.
 */
export class EagerClient implements TaskProducer {
  /** Every record, by task id, in the states a real result bucket would hold. */
  readonly records = new Map<string, ResultRecord>();
  private readonly opts: EagerOptions;
  private readonly seen = new Set<string>();

  constructor(opts: EagerOptions = {}) {
    this.opts = opts;
  }

  async enqueue<P, R>(task: DeclaredTask<P, R>, payload: NoInfer<P>, options: EnqueueOptions = {}): Promise<TaskHandle<Awaited<R>>> {
    const def = this.definitionOf(task);
    // Time options are checked as the real client checks them, then ignored: like Celery's eager
    // mode, a delayed task runs at once and nothing expires (a test would otherwise wait for it).
    resolveTiming(options, Date.now());
    const id = options.id ?? (options.idempotencyKey !== undefined ? `k-${options.idempotencyKey}` : randomUUID());
    const duplicate = options.idempotencyKey !== undefined && this.seen.has(options.idempotencyKey);
    if (options.idempotencyKey !== undefined) this.seen.add(options.idempotencyKey);
    // A round trip through JSON, as on the wire: a payload that does not survive it fails here too.
    const wire = JSON.parse(JSON.stringify(payload) ?? 'null') as unknown;
    if (!duplicate) await this.run(def, wire, id, options.metadata ?? {});
    return this.handle<Awaited<R>>(id, task.name, options.queue ?? task.options.queue ?? 'eager', duplicate);
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

  private async run(task: TaskDefinition<unknown, unknown>, input: unknown, id: string, metadata: Record<string, string>) {
    const policy = resolveRetryPolicy(task.options.retry, this.opts.defaultRetry ?? DEFAULT_RETRY_POLICY);
    const put = (r: Omit<ResultRecord, 'id' | 'task' | 'updatedAt'>) => this.records.set(id, { id, task: task.name, updatedAt: Date.now(), ...r });
    let payload = input;
    if (task.options.schema) {
      const v = await validatePayload(task.options.schema, input);
      if (!v.ok) {
        const error = describeError(new PayloadValidationError(task.name, v.issues));
        return put({ state: 'dead', attempts: 1, error, finishedAt: Date.now() });
      }
      payload = v.value;
    }
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      const controller = new AbortController();
      const ctx: TaskContext = {
        id,
        name: task.name,
        attempt,
        maxAttempts: policy.maxAttempts,
        metadata,
        signal: controller.signal,
        log: pino({ level: 'silent' }),
        progress: async (progress) => void put({ state: 'started', attempts: attempt, startedAt, progress }),
        working: () => undefined,
      };
      try {
        const result = await task.handler(payload, ctx);
        return put({ state: 'succeeded', attempts: attempt, startedAt, finishedAt: Date.now(), result: JSON.parse(JSON.stringify(result) ?? 'null') });
      } catch (err) {
        const outcome = decideFailure(err, attempt, policy);
        if (outcome.kind === 'dead') return put({ state: deadState(outcome.reason), attempts: attempt, startedAt, finishedAt: Date.now(), error: outcome.error });
        put({ state: 'retrying', attempts: attempt, startedAt, error: outcome.error, retryAt: Date.now() + outcome.delayMs });
        if (this.opts.sleepBetweenRetries) await new Promise((r) => setTimeout(r, outcome.delayMs));
      }
    }
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
