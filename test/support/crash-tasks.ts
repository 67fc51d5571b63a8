// Tasks for test/integration/worker-crash.test.ts, loaded by a celeriac-worker process.
import { defineTask } from 'celeriac';

/** Returns at once but leaves an exception thrown from a timer: the worker process must be replaced. */
export const bomb = defineTask('crash.bomb', () => {
  setTimeout(() => {
    throw new Error('boom');
  }, 50);
  return 'armed';
});

/** Sleeps `ms` and returns `n`; records `started` so a test can see it running. */
export const sleeper = defineTask('crash.sleep', async (p: { n: number; ms: number }) => {
  await new Promise((r) => setTimeout(r, p.ms));
  return p.n;
}, { trackStarted: true });
