// Task module of the workflow chaos test (test/chaos/workflow-sigkill.test.ts), loaded by
// celeriac-worker processes. Every run is recorded before it returns (chaos-tasks.ts), and the
// chord callbacks and chain links apply an effect keyed by their task id, as a real app would.
import { defineTask } from 'celeriac';
import { recordEffect, recordRun } from './chaos-tasks.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A chord member: its square, after a few ms in flight (so kills catch members mid-run). */
export const square = defineTask('wf.square', async (p: { n: number; sleepMs: number }, ctx) => {
  await recordRun(ctx.id, ctx.attempt);
  await sleep(p.sleepMs);
  return p.n * p.n;
});

/** A chord's callback: applies its effect (the results it got) once, keyed by its task id. */
export const collect = defineTask('wf.collect', async (squares: number[], ctx) => {
  await recordRun(ctx.id, ctx.attempt);
  await recordEffect(ctx.id, { squares });
  await sleep(2);
  return squares;
});

/** A chain link: adds one, with an effect keyed by its task id (derived from the workflow id and link). */
export const increment = defineTask('wf.increment', async (n: number, ctx) => {
  await recordRun(ctx.id, ctx.attempt);
  await recordEffect(ctx.id, { n });
  await sleep(3);
  return n + 1;
});
