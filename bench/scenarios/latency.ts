import { setTimeout as sleep } from 'node:timers/promises';
import { makePayload } from '../payload.ts';
import type { ConsumeResult } from '../consumer-messages.ts';
import { taskLabel, type ConsumeShape, type Figure, type Measurement, type Scenario, type ScenarioContext } from './context.ts';
import { settledOutstanding, startConsumer, withQueue } from './helpers.ts';

/**
 * The latency percentiles, plus what the machine did to them: how long the consumer process's
 * event loop stood still (not scheduled, or paused) and the p99 of the tasks whose wait did not
 * overlap such a stall (bench/stalls.ts). The plain p99 is the figure; the other two say how
 * much of it was the machine.
 */
export function latencyFigures(r: Pick<ConsumeResult, 'latency' | 'stalls'>): Figure[] {
  const l = r.latency?.all;
  if (!l || l.count === 0) throw new Error('no latency samples');
  return [
    { metric: 'p50', value: l.p50, unit: 'ms' },
    { metric: 'p99', value: l.p99, unit: 'ms' },
    { metric: 'p99.9', value: l.p999, unit: 'ms' },
    { metric: 'p99-unstalled', value: r.latency!.unstalled.p99, unit: 'ms' },
    { metric: 'consumer-stalled', value: r.stalls.totalMs, unit: 'ms' },
  ];
}

/**
 * Sends at a fixed rate in 1 ms ticks (a busy loop would steal a core from the servers) without
 * waiting for acks, so a slow enqueue shows up as latency rather than as a slower schedule.
 */
async function paced(n: number, perSecond: number, send: (i: number) => Promise<void>): Promise<number> {
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((performance.now() - t0) * perSecond) / 1000));
    while (sent < due) pending.push(send(sent++));
    if (sent < n) await sleep(1);
  }
  const elapsedMs = performance.now() - t0;
  await Promise.all(pending);
  return n / (elapsedMs / 1000);
}

async function measure(ctx: ScenarioContext, shape: ConsumeShape, perSecond: number, durationMs: number): Promise<Measurement> {
  const n = Math.round((perSecond * durationMs) / 1000);
  return withQueue(ctx, async (queue, producer) => {
    const run = startConsumer(ctx, queue, shape, n, true);
    await run.consuming;
    const achieved = await paced(n, perSecond, (i) => producer.enqueue(makePayload(i)));
    const r = await run.finished;
    if (r.timedOut) throw new Error(`latency run timed out: ${r.completed} of ${n} completed`);
    const unacked = await settledOutstanding(ctx.system, queue);
    return {
      figures: [...latencyFigures(r), { metric: 'offered-rate', value: achieved, unit: 'tasks/s' }],
      check: { ...r.check, unacked },
    };
  });
}

const short = (r: number) => (r >= 1000 ? `${r / 1000}k` : String(r));

export function latencyScenario(shape: ConsumeShape, perSecond: number, durationMs: number): Scenario {
  return {
    name: `latency-${taskLabel(shape.task)}-${short(perSecond)}`,
    consumes: true,
    description:
      `Enqueue at ${perSecond.toLocaleString('en')} tasks/s for ${durationMs / 1000} s to a consumer process at concurrency ${shape.concurrency}; ` +
      `enqueue-to-start latency of every task (enqueue call to handler start, one monotonic clock).`,
    run: (ctx) => measure(ctx, shape, perSecond, durationMs),
    warmup: (ctx) => measure(ctx, shape, perSecond, Math.min(durationMs, 1_000)),
  };
}
