import type { ObjectKey } from './object-key.ts';

/** What a successful reconcile asks for next. */
export interface Result {
  /** Look again after this many ms even if nothing changes (e.g. to poll JetStream). */
  requeueAfter?: number;
}

/**
 * Makes the world match the object named by `key`, reading current state (level-triggered: it is
 * never told what changed). Must be idempotent. Throwing one of the errors below states what
 * should happen next; any other error is retried with backoff.
 *
 * `signal` aborts when the controller stops (shutdown, lost leadership): stop writing then.
 */
export interface Reconciler {
  reconcile(key: ObjectKey, signal: AbortSignal): Promise<Result>;
}

/** The world is not ready yet (a dependency is missing, NATS is down): look again after `delayMs`. */
export class RetryLater extends Error {
  readonly delayMs: number;
  readonly reason: string;
  constructor(delayMs: number, reason: string, options?: ErrorOptions) {
    super(`retry in ${delayMs} ms: ${reason}`, options);
    this.name = 'RetryLater';
    this.delayMs = delayMs;
    this.reason = reason;
  }
}

/**
 * The spec cannot be made real as written. Retrying cannot help, so the key is not requeued (and
 * periodic resyncs skip it) until the object's generation changes, i.e. the user edits the spec.
 * The reconciler should also report it in a status condition.
 */
export class InvalidSpec extends Error {
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string, options?: ErrorOptions) {
    super(`${field}: ${reason}`, options);
    this.name = 'InvalidSpec';
    this.field = field;
    this.reason = reason;
  }
}

/** A failure worth retrying soon (a conflict, a timeout): retry with the key's backoff. */
export class TransientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** What the controller does with a key after one reconcile. */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeue-after'; readonly delayMs: number }
  | { readonly kind: 'retry-later'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'invalid-spec'; readonly field: string; readonly reason: string }
  | { readonly kind: 'backoff'; readonly error: unknown };

/** Maps a reconcile's result or error to the queue's next step. */
export function outcomeOf(settled: { result: Result } | { error: unknown }): Outcome {
  if ('result' in settled) {
    const delayMs = settled.result.requeueAfter;
    return delayMs !== undefined && delayMs > 0 ? { kind: 'requeue-after', delayMs } : { kind: 'done' };
  }
  const { error } = settled;
  if (error instanceof RetryLater) return { kind: 'retry-later', delayMs: error.delayMs, reason: error.reason };
  if (error instanceof InvalidSpec) return { kind: 'invalid-spec', field: error.field, reason: error.reason };
  return { kind: 'backoff', error };
}
