// Isolated tasks for test/integration/isolation.test.ts and bench/: each names this module, which
// its worker thread or child process imports to find the handler by task name.
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { PermanentError, defineTask, type TaskOptions } from 'celeriac';

const module = import.meta.url;
const once = { retry: { maxAttempts: 1 } };
const twice = { retry: { maxAttempts: 2, backoff: { type: 'fixed' as const, delayMs: 0 } } };
const isolated = <P>(isolation: 'thread' | 'process', o: TaskOptions<P> = {}): TaskOptions<P> => ({ isolation, module, ...o });

/**
 * Never yields: only a kill stops it. Appends a byte to `beat` (if given) every 50 ms while it
 * spins, so a test can see it stopped for real. Soft limit 300 ms, hard 1.5 s, two attempts.
 */
const spin = (p: { beat?: string }) => {
  for (let next = 0; ; ) {
    // busy: the signal can never be read, the event loop never turns
    if (p.beat && Date.now() >= next) {
      appendFileSync(p.beat, '.');
      next = Date.now() + 50;
    }
  }
};
export const spinThread = defineTask('iso.spin-thread', spin, isolated('thread', { timeoutMs: 300, hardTimeLimitMs: 1_500, ...twice }));
export const spinProcess = defineTask('iso.spin-process', spin, isolated('process', { timeoutMs: 300, hardTimeLimitMs: 1_500, ...twice }));

/** Spins with a soft limit (300 ms) and no hard limit of its own: the worker's default hard limit applies. */
export const spinNoHardThread = defineTask('iso.spin-no-hard-thread', spin, isolated('thread', { timeoutMs: 300, ...once }));

/** Allocates until its 64 MiB heap is full. */
const hog = () => {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(100_000).fill(hoard.length));
};
export const hogThread = defineTask('iso.hog-thread', hog, isolated('thread', { memoryLimitMb: 64, ...once }));
export const hogProcess = defineTask('iso.hog-process', hog, isolated('process', { memoryLimitMb: 64, ...once }));

/** Echoes its payload with where it ran; throws a PermanentError, or returns a function (no clone can carry it), when told to. */
const echo = (p: { n: number; fail?: boolean; unclonable?: boolean }, ctx: { attempt: number; name: string }) => {
  if (p.fail) throw new PermanentError(`refused ${p.n}`);
  if (p.unclonable) return { n: p.n, attempt: 0, task: '', pid: 0, threadId: 0, call: () => p.n };
  return { n: p.n, attempt: ctx.attempt, task: ctx.name, pid: process.pid, threadId };
};
export const echoThread = defineTask('iso.echo-thread', echo, isolated('thread', once));
export const echoProcess = defineTask('iso.echo-process', echo, isolated('process', once));

/** Waits for its signal and returns the reason's name: a soft limit or a cancel ends it, not the hard limit. */
const polite = async (_: unknown, ctx: { signal: AbortSignal }) => {
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  return `stopped by ${(ctx.signal.reason as Error).name}`;
};
export const politeThread = defineTask('iso.polite-thread', polite, isolated('thread', { timeoutMs: 300, hardTimeLimitMs: 60_000, ...once }));
export const politeProcess = defineTask('iso.polite-process', polite, isolated('process', { timeoutMs: 300, hardTimeLimitMs: 60_000, ...once }));
/** The same with a soft limit far away, so only a cancel stops it. */
export const patientThread = defineTask('iso.patient-thread', polite, isolated('thread', { timeoutMs: 60_000, hardTimeLimitMs: 120_000, trackStarted: true, ...once }));
/** Spins, deaf to its signal: a cancel fires it in vain, and the worker kills it after the grace (2 s), long before its limits. */
export const deafThread = defineTask('iso.deaf-thread', spin, isolated('thread', { timeoutMs: 60_000, hardTimeLimitMs: 120_000, trackStarted: true, ...once }));

/** Does nothing: the bench's per-task cost of isolation. */
export const noopThread = defineTask('iso.noop-thread', () => null, isolated('thread'));
export const noopProcess = defineTask('iso.noop-process', () => null, isolated('process'));
