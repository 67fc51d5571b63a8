import { PermanentError, RetryLater, describeError, isPermanentError, retryLaterDelay } from '../errors.ts';

/**
 * The messages between a worker and one isolated runner (a worker thread or a child process).
 * Both carry them by structured clone (postMessage, or IPC with `serialization: 'advanced'`), so
 * payloads and results cross as they are; errors cross as WireError, since a clone keeps only the
 * standard names of errors and none of their fields.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** The error was a PermanentError (of any copy of the package): dead-letter at once. */
  permanent?: boolean;
  /** The error was a RetryLater with this delay. */
  retryLaterMs?: number;
}

/** What a handler's ctx holds that can cross to the runner. */
export interface WireContext {
  id: string;
  name: string;
  attempt: number;
  maxAttempts: number;
  metadata: Readonly<Record<string, string>>;
}

export type ToRunner =
  /** First message: which module to import and which task of it to run; answered by `ready` or `setup-failed`. */
  | { type: 'init'; module: string; task: string; logLevel: string }
  | { type: 'run'; payload: unknown; ctx: WireContext }
  /** The attempt's ctx.signal fired (soft time limit, cancel, shutdown): fire the handler's. */
  | { type: 'abort'; reason: WireError };

export type FromRunner =
  | { type: 'ready' }
  | { type: 'setup-failed'; error: WireError }
  | { type: 'done'; ok: true; value: unknown }
  | { type: 'done'; ok: false; error: WireError }
  | { type: 'progress'; value: unknown };

/** Anything thrown, as it can cross to the worker with the decision it carries. */
export function toWireError(err: unknown): WireError {
  // Inside the runner the handler's errors are of the runner's own realm: instanceof holds.
  const { message, stack } = describeError(err);
  const wire: WireError = { name: err instanceof Error ? err.name : 'Error', message };
  if (stack !== undefined) wire.stack = stack;
  if (isPermanentError(err)) wire.permanent = true;
  const delay = retryLaterDelay(err);
  if (delay !== undefined) wire.retryLaterMs = delay;
  return wire;
}

/** The error a WireError stands for, of this copy of the package, so decideFailure reads its decision. */
export function fromWireError(w: WireError): Error {
  const err = w.permanent ? new PermanentError(w.message) : w.retryLaterMs !== undefined ? new RetryLater(w.retryLaterMs, w.message) : new Error(w.message);
  // The handler's own name (TypeError, an app's error) is what the result record and dead letter show.
  Object.defineProperty(err, 'name', { value: w.name, enumerable: false, configurable: true, writable: true });
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}
