/**
 * Why an isolated runner ended, as the `reason` label of celeriac_isolated_runners_ended_total
 * and the field of the 'isolated runner ended' log:
 * - `time-limit`: killed at its attempt's hard limit (or its soft one, when it has no hard one);
 * - `cancelled`: killed after its task was cancelled and ignored its signal for the grace period;
 * - `memory`: its heap outgrew memoryLimitMb;
 * - `crashed`: it ended by itself otherwise (an uncaught throw, process.exit(), a signal);
 * - `start-failed`: it could not load its module, or not within the start timeout;
 * - `shutdown`: the worker stopped.
 */
export type RunnerEnd = 'time-limit' | 'cancelled' | 'memory' | 'crashed' | 'start-failed' | 'shutdown';

export const RUNNER_ENDS: readonly RunnerEnd[] = ['time-limit', 'cancelled', 'memory', 'crashed', 'start-failed', 'shutdown'];

/**
 * The reason from the error a runner ended with, whether the worker killed it, and whether its
 * pool was closing. Errors are told by name: a handler's error class may come from another copy
 * of the package.
 */
export function runnerEnd(err: Error, killed: boolean, closing: boolean): RunnerEnd {
  if (closing) return 'shutdown';
  if (!killed) return err.name === 'MemoryLimitError' ? 'memory' : 'crashed';
  if (err.name === 'HardTimeLimitError' || err.name === 'TaskTimeoutError') return 'time-limit';
  if (err.name === 'CancelledError') return 'cancelled';
  return 'start-failed';
}
