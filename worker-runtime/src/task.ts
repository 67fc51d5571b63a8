import type { Logger } from 'pino';
import { assertTaskName } from './protocol.ts';
import { resolveRetryPolicy, type RetryOptions } from './retry.ts';
import type { PayloadSchema } from './schema.ts';

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
  /** Per-attempt time limit in ms; a task past it is aborted and retried. */
  timeoutMs?: number;
  /** Record a `started` state when a run begins (Celery's `track_started`; off by default: one write less). */
  trackStarted?: boolean;
  /** The queue to enqueue to when the caller names none. */
  queue?: string;
}

/**
 * A task definition: imported by producers (type-safe enqueue) and by workers (registration).
 * `P` and `R` exist only for the type checker.
 */
export interface TaskDefinition<P = unknown, R = unknown> {
  readonly name: string;
  readonly handler: TaskHandler<P, R>;
  readonly options: Readonly<TaskOptions<P>>;
  /** Phantom field carrying the types; never set at run time. */
  readonly __types?: { payload: P; result: R };
}

export type PayloadOf<T> = T extends TaskDefinition<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends TaskDefinition<unknown, infer R> ? Awaited<R> : never;

/**
 * Defines a task. The handler's parameter type is the payload type producers must send:
 *
 *   export const sendEmail = defineTask('email.send', async (p: { to: string }) => deliver(p.to),
 *     { retry: { maxAttempts: 3 } });
 */
export function defineTask<P, R>(name: string, handler: TaskHandler<P, R>, options: TaskOptions<P> = {}): TaskDefinition<P, R> {
  assertTaskName(name);
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new RangeError(`task ${name}: timeoutMs must be > 0`);
  }
  // Validate now so a typo fails when the module loads; the worker resolves it against the queue default.
  if (options.retry) resolveRetryPolicy(options.retry);
  return Object.freeze({ name, handler, options: Object.freeze({ ...options }) });
}
