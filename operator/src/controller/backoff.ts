/** Exponential backoff bounds: the first delay and the cap. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before retry number `failures` (0 = first retry): base * 2^failures, capped at max. */
export function exponentialDelay(failures: number, policy: BackoffPolicy): number {
  // 2^exp overflows to Infinity long before it matters, and min() handles Infinity.
  return Math.min(policy.baseMs * 2 ** Math.max(0, failures), policy.maxMs);
}

/**
 * Per-key failure counts, the workqueue's rate limiter: each failure of a key doubles its next
 * delay until `forget(key)` (after a success) resets it. Same model as client-go's
 * ItemExponentialFailureRateLimiter.
 */
export class KeyedBackoff {
  readonly #policy: BackoffPolicy;
  readonly #failures = new Map<string, number>();

  constructor(policy: BackoffPolicy) {
    this.#policy = policy;
  }

  /** Records a failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return exponentialDelay(failures, this.#policy);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}
