import type { FailedState } from './protocol.ts';

/**
 * Errors carry a decision. A handler throws them to tell the worker what to do next; the runtime
 * throws them to tell the caller whether trying again can help.
 */

/**
 * Brands of the errors that carry a decision across package copies. An app and the worker image
 * can each hold their own copy of `celeriac`; an error thrown from the app's copy then fails
 * `instanceof` in the worker's, and a permanent failure would be retried. `Symbol.for` names one
 * symbol in every copy (and realm), so the brand survives; BullMQ checks `name` for the same reason.
 */
const PERMANENT_BRAND = Symbol.for('celeriac.error.permanent');
const RETRY_LATER_BRAND = Symbol.for('celeriac.error.retry-later');

/** The task can never succeed (bad input, a business rule): skip remaining retries and dead-letter it. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly [PERMANENT_BRAND] = true;
}

/** Try again after exactly `delayMs` (e.g. a rate-limited API said when), counting as an attempt. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  readonly [RETRY_LATER_BRAND] = true;
  readonly delayMs: number;
  constructor(delayMs: number, message = `retry in ${delayMs} ms`) {
    super(message);
    this.delayMs = delayMs;
  }
}

const hasBrand = (err: unknown, brand: symbol): boolean =>
  typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[brand] === true;
// Not `instanceof Error`: an error from another realm (a vm context, a worker thread) fails that too.
const hasName = (err: unknown, name: string): boolean => typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;

/**
 * A PermanentError from any copy of the package: `instanceof`, its brand, or its name (a copy
 * older than the brand). Subclasses (PayloadValidationError, an app's own) carry the brand.
 */
export function isPermanentError(err: unknown): boolean {
  return err instanceof PermanentError || hasBrand(err, PERMANENT_BRAND) || hasName(err, 'PermanentError');
}

/** A RetryLater from any copy of the package, with its delay; undefined for anything else. */
export function retryLaterDelay(err: unknown): number | undefined {
  const branded = err instanceof RetryLater || hasBrand(err, RETRY_LATER_BRAND) || hasName(err, 'RetryLater');
  if (!branded) return undefined;
  const delayMs = (err as { delayMs?: unknown }).delayMs;
  return typeof delayMs === 'number' && Number.isFinite(delayMs) ? Math.max(0, delayMs) : undefined;
}

/** The handler ran past its timeout; retried like any other failure. */
export class TaskTimeoutError extends Error {
  override readonly name = 'TaskTimeoutError';
}

/** The payload failed the task's schema: dead-lettered at once, retrying cannot fix it. */
export class PayloadValidationError extends PermanentError {
  readonly issues: readonly string[];
  constructor(task: string, issues: readonly string[]) {
    super(`payload of task ${task} is invalid: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

/** A message that is not a valid Celeriac task (not JSON, unknown task, too large). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Machine-readable reason, also the dead letter's `Celeriac-Dead-Reason` header. */
  readonly reason: DeadReason;
  constructor(reason: DeadReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The task ended in `failed` or `dead`; `handle.result()` rejects with it. */
export class TaskFailedError extends Error {
  override readonly name = 'TaskFailedError';
  readonly taskId: string;
  readonly state: FailedState;
  readonly remote: { message: string; type?: string; stack?: string } | undefined;
  constructor(taskId: string, state: FailedState, remote?: { message: string; type?: string; stack?: string }) {
    super(`task ${taskId} ${state}${remote ? `: ${remote.message}` : ''}`);
    this.taskId = taskId;
    this.state = state;
    this.remote = remote;
  }
}

/** Waiting for a result or a publish ack took too long. Retrying may help. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Why a message went to the dead-letter stream. Part of the wire protocol (docs/protocol.md). */
export type DeadReason =
  | 'malformed'
  | 'unknown-task'
  | 'invalid-payload'
  | 'too-large'
  | 'permanent-error'
  | 'max-attempts'
  /** The server's delivery bound (the consumer's max_deliver) was reached: see docs/reliability.md. */
  | 'max-deliveries';

/** Normalises anything a handler threw (strings, objects, undefined) into a message, type and stack. */
export function describeError(err: unknown): { message: string; type: string; stack?: string } {
  if (err instanceof Error) {
    return { message: err.message || err.name, type: err.name, ...(err.stack ? { stack: err.stack } : {}) };
  }
  let message: string;
  try {
    message = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  } catch {
    message = String(err);
  }
  return { message: `non-Error thrown: ${message}`, type: typeof err };
}

/**
 * The queue cannot hold a delayed task: its nats-server is older than 2.12, or its stream does
 * not allow schedules (e.g. a count limit with discard new, which the server forbids with
 * schedules). Nothing was published; retrying does not help until the server or queue changes.
 */
export class ScheduleUnsupportedError extends Error {
  override readonly name = 'ScheduleUnsupportedError';
  readonly queue: string;
  constructor(queue: string, why: string) {
    super(`queue ${queue} cannot hold delayed tasks: ${why}`);
    this.queue = queue;
  }
}

/**
 * The task was cancelled (`client.cancel`, `cancelTask`, or a put to the queue's cancel bucket):
 * the reason of a running handler's `ctx.signal`. An attempt that ends after it is recorded
 * `cancelled`, never retried or dead-lettered, whatever the handler returned or threw.
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly taskId: string;
  constructor(taskId: string, reason?: string) {
    super(`task ${taskId} cancelled${reason ? `: ${reason}` : ''}`);
    this.taskId = taskId;
  }
}

/**
 * The attempt ran past its task's hard time limit (`hardTimeLimitMs`) and was stopped: an isolated
 * task's thread or process was killed; an in-process handler was abandoned (its promise runs on,
 * its outcome is ignored). Retried per the task's policy, like a timeout: it is one.
 */
export class HardTimeLimitError extends Error {
  override readonly name = 'HardTimeLimitError';
}

/**
 * An isolated task outgrew its `memoryLimitMb` (V8's heap limit in its thread or process): the
 * runner died, the worker did not. Retried per the task's policy; a task that always needs more
 * ends in the dead letters after its attempts, where its reason says so.
 */
export class MemoryLimitError extends Error {
  override readonly name = 'MemoryLimitError';
}

/** An isolated task's thread or process died for another reason (an uncaught exception in a timer, process.exit). Retried per policy. */
export class IsolatedRunnerError extends Error {
  override readonly name = 'IsolatedRunnerError';
}
