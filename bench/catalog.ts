import type { TaskKind } from './recorder.ts';
import type { ConsumeShape, Scenario } from './scenarios/context.ts';
import { drainScenario } from './scenarios/drain.ts';
import { enqueueScenario } from './scenarios/enqueue.ts';
import { idlePickupScenario } from './scenarios/idle-pickup.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { produceConsumeScenario } from './scenarios/produce-consume.ts';

/**
 * Messages pulled ahead by the JetStream consumers (Celeriac and raw alike). The Worker's default
 * is `concurrency`; at concurrency 1 that is one pull round trip per task, so the bench gives
 * both JetStream systems the same small read-ahead that nats.js's own consume default has (100).
 */
export const prefetchFor = (concurrency: number) => Math.max(concurrency, 100);

const shape = (task: TaskKind, concurrency: number): ConsumeShape => ({ task, concurrency, prefetch: prefetchFor(concurrency) });

/**
 * 1 ms tasks at low concurrency cannot go faster than concurrency x 1000/s on any system, so those
 * backlogs are cut to keep a run near 5-10 s; the rate, not the count, is the result.
 */
function backlog(task: TaskKind, concurrency: number, full: number): number {
  if (task === 'noop') return full;
  return Math.min(full, concurrency * 5_000);
}

export function fullScenarios(): Scenario[] {
  const list: Scenario[] = [
    enqueueScenario('one-at-a-time', 20_000, 2_000),
    enqueueScenario('window-64', 50_000, 5_000),
    enqueueScenario('bulk', 50_000, 5_000),
  ];
  for (const task of ['noop', 'async-1ms'] as const) {
    for (const c of [1, 10, 100]) list.push(drainScenario(shape(task, c), backlog(task, c, 100_000), Math.min(5_000, backlog(task, c, 100_000) / 10)));
  }
  for (const task of ['noop', 'async-1ms'] as const) list.push(produceConsumeScenario(shape(task, 100), 50_000, 5_000));
  for (const task of ['noop', 'async-1ms'] as const) {
    for (const r of [1_000, 2_000, 5_000, 10_000]) list.push(latencyScenario(shape(task, 100), r, 5_000));
  }
  list.push(idlePickupScenario(shape('noop', 10), 200));
  return list;
}

/**
 * A measured throughput run of `--quick` lasts about this long per lane, sized from its warm-up
 * (which is itself big enough for a rough rate): a fixed 10,000 tasks drained in 0.1-0.2 s at
 * 50-90k/s, too short a window to rank systems.
 */
const QUICK_LENGTH = { seconds: 1.2, max: 120_000 };

/** The issue-3 set, small, one run each: about 3 minutes for the three systems and their variants. */
export function quickScenarios(): Scenario[] {
  return [
    enqueueScenario('one-at-a-time', 3_000, 500),
    enqueueScenario('window-64', 10_000, 1_000),
    enqueueScenario('bulk', 10_000, 1_000),
    drainScenario(shape('noop', 100), 10_000, 5_000, QUICK_LENGTH),
    drainScenario(shape('async-1ms', 100), 5_000, 3_000, QUICK_LENGTH),
    produceConsumeScenario(shape('noop', 100), 5_000, 3_000, QUICK_LENGTH),
    latencyScenario(shape('noop', 100), 2_000, 2_000),
    idlePickupScenario(shape('noop', 10), 50),
  ];
}

/** `--only a,b`: scenarios whose name equals or starts with one of the given names. */
export function selectScenarios(all: Scenario[], only: readonly string[]): Scenario[] {
  if (only.length === 0) return all;
  const picked = all.filter((s) => only.some((o) => s.name === o || s.name.startsWith(o)));
  if (picked.length === 0) throw new Error(`no scenario matches ${only.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  return picked;
}
