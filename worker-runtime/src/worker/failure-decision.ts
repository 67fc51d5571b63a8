import { describeError, isPermanentError, retryLaterDelay, type DeadReason } from '../errors.ts';
import { backoffDelay, type RetryPolicy } from '../retry.ts';

/** What to do with a task whose attempt failed. Pure: the worker carries it out. */
export type FailureOutcome =
  | { kind: 'retry'; delayMs: number; error: ReturnType<typeof describeError> }
  | { kind: 'dead'; reason: DeadReason; error: ReturnType<typeof describeError> };

export function decideFailure(err: unknown, attempt: number, policy: RetryPolicy, random?: () => number): FailureOutcome {
  const error = describeError(err);
  // Brand checks, not instanceof: the error may come from the app's own copy of the package.
  if (isPermanentError(err)) return { kind: 'dead', reason: 'permanent-error', error };
  if (attempt >= policy.maxAttempts) return { kind: 'dead', reason: 'max-attempts', error };
  const delayMs = retryLaterDelay(err) ?? backoffDelay(policy.backoff, attempt, random);
  return { kind: 'retry', delayMs, error };
}

/** Result state for a dead-lettered task: `failed` if its handler ran and failed, `dead` if it never could run. */
export function deadState(reason: DeadReason): 'failed' | 'dead' {
  return reason === 'permanent-error' || reason === 'max-attempts' ? 'failed' : 'dead';
}
