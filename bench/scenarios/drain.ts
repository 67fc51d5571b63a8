import { rate, taskLabel, type ConsumeShape, type Measurement, type Scenario, type ScenarioContext } from './context.ts';
import { runSizer, type RunLength } from './run-length.ts';
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

export function drainScenario(shape: ConsumeShape, n: number, warmupN: number, length?: RunLength): Scenario {
  const sizer = runSizer(length, n);
  return {
    name: `drain-${taskLabel(shape.task)}-c${shape.concurrency}`,
    consumes: true,
    description:
      `Preload ${n.toLocaleString('en')} tasks${length ? ` (or enough for ${length.seconds} s at the warm-up's rate, at most ${length.max.toLocaleString('en')})` : ''}, then one consumer process drains them at concurrency ${shape.concurrency} ` +
      `(${shape.task === 'noop' ? 'no-op task' : 'task awaits a 1 ms timer'}); rate from first task start to last acknowledgement.`,
    run: (ctx) => measure(ctx, shape, sizer.size(ctx)),
    warmup: (ctx) => sizer.warmup(ctx, () => measure(ctx, shape, warmupN)),
  };
}
