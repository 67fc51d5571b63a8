import { setTimeout as sleep } from 'node:timers/promises';
import { makePayload } from '../payload.ts';
import type { ConsumeShape, Measurement, Scenario, ScenarioContext } from './context.ts';
import { settledOutstanding, startConsumer, withQueue } from './helpers.ts';
import { latencyFigures } from './latency.ts';

const GAP_MS = 20;

async function measure(ctx: ScenarioContext, shape: ConsumeShape, samples: number): Promise<Measurement> {
  return withQueue(ctx, async (queue, producer) => {
    const run = startConsumer(ctx, queue, shape, samples, true);
    await run.consuming;
    for (let i = 0; i < samples; i++) {
      await producer.enqueue(makePayload(i));
      await sleep(GAP_MS);
    }
    const r = await run.finished;
    if (r.timedOut) throw new Error(`idle pickup timed out: ${r.completed} of ${samples} completed`);
    const unacked = await settledOutstanding(ctx.system, queue);
    return { figures: latencyFigures(r), check: { ...r.check, unacked } };
  });
}

export function idlePickupScenario(shape: ConsumeShape, samples: number): Scenario {
  return {
    name: 'idle-pickup',
    consumes: true,
    description: `An idle consumer (concurrency ${shape.concurrency}) gets one task every ${GAP_MS} ms, ${samples} times; enqueue-to-start latency of each.`,
    run: (ctx) => measure(ctx, shape, samples),
    warmup: (ctx) => measure(ctx, shape, Math.min(samples, 20)),
  };
}
