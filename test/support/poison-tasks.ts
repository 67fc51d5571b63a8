// Poison tasks for test/chaos/poison.test.ts, loaded by celeriac-worker processes next to
// chaos-tasks.ts: tasks that always fail, hang past their timeout, or kill their worker.
import { defineTask } from 'celeriac';

/** Fails every attempt: retried twice after 100 ms, then dead-lettered. */
export const alwaysFails = defineTask(
  'poison.fail',
  (_: { n: number }) => {
    throw new Error('this task always fails');
  },
  { retry: { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 100 } } },
);

/** Never settles: holds a slot until its 1 s timeout, twice, then dead-lettered. */
export const hangs = defineTask('poison.hang', (_: { n: number }) => new Promise<never>(() => undefined), {
  timeoutMs: 1_000,
  retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 100 } },
});

/**
 * Kills the worker process running it, as a segfaulting native module or an OOM kill would: the
 * task never reports back, so it is redelivered and kills the next worker too, until its
 * delivery count passes maxAttempts and the worker dead-letters it without running it.
 */
export const killsItsWorker = defineTask(
  'poison.kills-worker',
  (_: { n: number }) => {
    process.kill(process.pid, 'SIGKILL');
  },
  { retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 100 } } },
);
