import { DEFAULTS } from './defaults.ts';

/** How a task is retried. Same shape as the TaskQueue CRD's `retry` field (durations in ms here). */
export interface RetryPolicy {
  /** Total runs including the first; 1 means no retries. */
  maxAttempts: number;
  backoff: Backoff;
}

export type Backoff =
  | { type: 'fixed'; delayMs: number }
  | { type: 'exponential'; delayMs: number; maxDelayMs: number; jitter: boolean }
  | { type: 'list'; delaysMs: readonly number[] };

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: DEFAULTS.maxAttempts,
  backoff: { type: 'exponential', delayMs: DEFAULTS.backoffDelayMs, maxDelayMs: DEFAULTS.backoffMaxDelayMs, jitter: true },
};

export type RetryOptions = Partial<RetryPolicy>;

/** Merges options over a base policy, validating so a typo fails at definition time, not at 3 am. */
export function resolveRetryPolicy(options: RetryOptions | undefined, base: RetryPolicy = DEFAULT_RETRY_POLICY): RetryPolicy {
  const policy: RetryPolicy = { maxAttempts: options?.maxAttempts ?? base.maxAttempts, backoff: options?.backoff ?? base.backoff };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  const b = policy.backoff;
  if (b.type === 'list') {
    if (b.delaysMs.length === 0) throw new RangeError('retry.backoff.delaysMs must not be empty');
    if (b.delaysMs.some((d) => !(d >= 0))) throw new RangeError('retry.backoff.delaysMs must be >= 0');
  } else if (!(b.delayMs >= 0)) {
    throw new RangeError(`retry.backoff.delayMs must be >= 0, got ${b.delayMs}`);
  }
  if (b.type === 'exponential' && !(b.maxDelayMs >= b.delayMs)) {
    throw new RangeError('retry.backoff.maxDelayMs must be >= delayMs');
  }
  return policy;
}

/**
 * Delay before the next attempt after `attempt` failed (attempt is 1-based: JetStream's delivery
 * count). Exponential uses "equal jitter" (AWS architecture blog): half the delay is fixed, half
 * random, so a thundering herd of retries spreads out yet never comes back immediately.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, attempt);
  switch (backoff.type) {
    case 'fixed':
      return backoff.delayMs;
    case 'list':
      return backoff.delaysMs[Math.min(n, backoff.delaysMs.length) - 1] ?? 0;
    case 'exponential': {
      const ceiling = Math.min(backoff.maxDelayMs, backoff.delayMs * 2 ** Math.min(n - 1, 52));
      return backoff.jitter ? Math.round(ceiling / 2 + (random() * ceiling) / 2) : ceiling;
    }
  }
}
