import { rate, taskLabel, type ConsumeShape, type Measurement, type Scenario, type ScenarioContext } from './context.ts';
import { preload, settledOutstanding, startConsumer, withQueue } from './helpers.ts';

async function measure(ctx: ScenarioContext, shape: ConsumeShape, n: number): Promise<Measurement> {
  return withQueue(ctx, async (queue, producer) => {
    await preload(producer, n);
    const run = startConsumer(ctx, queue, shape, n);
    const r = await run.finished;
    if (r.timedOut) throw new Error(`drain timed out: ${r.completed} of ${n} completed`);
    const unacked = await settledOutstanding(ctx.system, queue);
    return { figures: [rate(n, r.doneUs - r.firstStartUs)], check: { ...r.check, unacked } };
  });
}

export function drainScenario(shape: ConsumeShape, n: number, warmupN: number): Scenario {
  return {
    name: `drain-${taskLabel(shape.task)}-c${shape.concurrency}`,
    consumes: true,
    description:
      `Preload ${n.toLocaleString('en')} tasks, then one consumer process drains them at concurrency ${shape.concurrency} ` +
      `(${shape.task === 'noop' ? 'no-op task' : 'task awaits a 1 ms timer'}); rate from first task start to last acknowledgement.`,
    run: (ctx) => measure(ctx, shape, n),
    warmup: (ctx) => measure(ctx, shape, warmupN),
  };
}
