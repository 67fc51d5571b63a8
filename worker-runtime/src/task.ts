import type { Logger } from 'pino';
import { checkIsolationOptions } from './isolation/options.ts';
import { assertTaskName } from './protocol.ts';
import { resolveRetryPolicy, type RetryOptions } from './retry.ts';
import type { PayloadSchema } from './schema.ts';
import { parseRateLimit, type RateLimitSpec } from './rate-limit/limit.ts';
import { checkConcurrency, type ConcurrencyOptions } from './key-concurrency/key.ts';

/** What a handler gets besides its payload. */
export interface TaskContext {
  readonly id: string;
  readonly name: string;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** `Celeriac-Meta-*` headers of the message, without the prefix, lower-cased. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Aborted when the task times out or the worker must stop; pass it to fetch() and friends. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Records progress in the result backend (state stays `started`). */
  progress(value: unknown): Promise<void>;
  /** Extends the ack deadline now. The worker also does this by itself while the task runs. */
  working(): void;
}

export type TaskHandler<P, R> = (payload: P, ctx: TaskContext) => R | Promise<R>;

export interface TaskOptions<P> {
  /** Validates (and may transform) the payload before the handler sees it; failures are dead-lettered. */
  schema?: PayloadSchema<P>;
  /** Per-task retry policy; unset fields come from the worker's (queue's) default. */
  retry?: RetryOptions;
  /**
   * Per-attempt time limit in ms; a task past it is aborted and retried. With `hardTimeLimitMs`
   * this is the soft limit: ctx.signal fires and the handler may clean up and return or throw.
   */
  timeoutMs?: number;
  /**
   * The hard time limit per attempt in ms, above `timeoutMs`: the attempt fails with
   * HardTimeLimitError and is retried or dead-lettered per its policy. An isolated task's thread or
   * process is killed; an in-process handler is only abandoned (docs/concepts.md: time limits).
   * Unset: `timeoutMs` is both limits, as before.
   */
  hardTimeLimitMs?: number;
  /**
   * Run the handler in a worker thread or a child process of the worker, so that a handler that
   * never yields can be killed and cannot starve the worker's acks and heartbeats. Needs `module`.
   */
  isolation?: 'thread' | 'process';
  /** The module that defines this task (`import.meta.url`): an isolated runner imports it to find the handler. */
  module?: string;
  /** The heap limit of an isolated task's thread or process in MiB; past it the attempt fails with MemoryLimitError. */
  memoryLimitMb?: number;
  /** Record a `started` state when a run begins (Celery's `track_started`; off by default: one write less). */
  trackStarted?: boolean;
  /** The queue to enqueue to when the caller names none. */
  queue?: string;
  /**
   * At most this many starts of the task per period across every worker of the queue, e.g.
   * `{ perSecond: 100 }` or `{ limit: 5, periodMs: 60_000 }`; tasks over it wait. A limit set for
   * the task at run time (TaskQueue `spec.rateLimits`, `setRateLimit`) overrides it. See
   * docs/concepts.md, "Rate limits".
   */
  rateLimit?: RateLimitSpec;
  /**
   * At most `limit` running at once per key across every worker (e.g. per tenant); tasks of a
   * full key wait, without failing or using attempts (docs/concepts.md, "Concurrency per key").
   */
  concurrency?: ConcurrencyOptions<P>;
}

/**
 * A task's name, types and options without its handler: all a producer needs to enqueue it
 * (Celery's `send_task` with types). `P` and `R` exist only for the type checker.
 */
export interface DeclaredTask<P = unknown, R = unknown> {
  readonly name: string;
  readonly options: Readonly<TaskOptions<P>>;
  /** Phantom field carrying the types; never set at run time. */
  readonly __types?: { payload: P; result: R };
}

/** A task definition: a declared task with its handler. Producers and workers may both import it. */
export interface TaskDefinition<P = unknown, R = unknown> extends DeclaredTask<P, R> {
  readonly handler: TaskHandler<P, R>;
}

export type PayloadOf<T> = T extends DeclaredTask<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends DeclaredTask<unknown, infer R> ? Awaited<R> : never;

function checkOptions(name: string, options: TaskOptions<unknown>): void {
  assertTaskName(name);
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new RangeError(`task ${name}: timeoutMs must be > 0`);
  }
  // Validate now so a typo fails when the module loads; the worker resolves it against the queue default.
  if (options.retry) resolveRetryPolicy(options.retry);
  checkIsolationOptions(name, options);
  if (options.rateLimit !== undefined) parseRateLimit(options.rateLimit, `task ${name}: rateLimit`);
  if (options.concurrency) checkConcurrency(name, options.concurrency);
}

/**
 * Declares a task by name and types, for a producer that must not import the worker's code:
 *
 *   export const sendEmail = declareTask<{ to: string }, { messageId: string }>('email.send');
 *   await client.enqueue(sendEmail, { to });          // type-checked like a defined task
 *
 * The worker binds the handler with `defineTask(sendEmail, handler)`.
 */
export function declareTask<P, R = unknown>(name: string, options: TaskOptions<P> = {}): DeclaredTask<P, R> {
  checkOptions(name, options as TaskOptions<unknown>);
  return Object.freeze({ name, options: Object.freeze({ ...options }) });
}

/**
 * Defines a task. The handler's parameter type is the payload type producers must send:
 *
 *   export const sendEmail = defineTask('email.send', async (p: { to: string }) => deliver(p.to),
 *     { retry: { maxAttempts: 3 } });
 *
 * Or binds a handler to a declared task (its options, overridden by any given here), so the
 * handler must accept the declared payload and return the declared result:
 *
 *   export const sendEmailTask = defineTask(sendEmail, async (p) => deliver(p.to));
 */
export function defineTask<P, R>(declared: DeclaredTask<P, R>, handler: TaskHandler<P, R>, options?: TaskOptions<P>): TaskDefinition<P, R>;
export function defineTask<P, R>(name: string, handler: TaskHandler<P, R>, options?: TaskOptions<P>): TaskDefinition<P, R>;
export function defineTask<P, R>(task: string | DeclaredTask<P, R>, handler: TaskHandler<P, R>, options: TaskOptions<P> = {}): TaskDefinition<P, R> {
  const name = typeof task === 'string' ? task : task.name;
  const merged = typeof task === 'string' ? options : { ...task.options, ...options };
  checkOptions(name, merged as TaskOptions<unknown>);
  if (typeof handler !== 'function') throw new TypeError(`task ${name}: the handler must be a function`);
  return Object.freeze({ name, handler, options: Object.freeze({ ...merged }) });
}
