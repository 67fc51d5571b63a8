import { makePayload, nowUs } from '../payload.ts';
import { rate, taskLabel, type ConsumeShape, type Measurement, type Scenario, type ScenarioContext } from './context.ts';
import { runSizer, type RunLength } from './run-length.ts';
import { settledOutstanding, startConsumer, windowed, withQueue } from './helpers.ts';

async function measure(ctx: ScenarioContext, shape: ConsumeShape, n: number): Promise<Measurement> {
  return withQueue(ctx, async (queue, producer) => {
    const run = startConsumer(ctx, queue, shape, n);
    await run.consuming;
    const t0 = nowUs();
    await windowed(n, 64, (i) => producer.enqueue(makePayload(i)));
    const r = await run.finished;
    if (r.timedOut) throw new Error(`produce-consume timed out: ${r.completed} of ${n} completed`);
    const unacked = await settledOutstanding(ctx.system, queue);
    return { figures: [rate(n, r.doneUs - t0)], check: { ...r.check, unacked } };
  });
}

export function produceConsumeScenario(shape: ConsumeShape, n: number, warmupN: number, length?: RunLength): Scenario {
  const sizer = runSizer(length, n);
  return {
    name: `produce-consume-${taskLabel(shape.task)}-c${shape.concurrency}`,
    consumes: true,
    description:
      `A producer (64 enqueues in flight) and a consumer process (concurrency ${shape.concurrency}) run together on an empty queue ` +
      `for ${n.toLocaleString('en')} tasks${length ? ` (or enough for ${length.seconds} s at the warm-up's rate, at most ${length.max.toLocaleString('en')})` : ''}; rate from the first enqueue to the last acknowledgement.`,
    run: (ctx) => measure(ctx, shape, sizer.size(ctx)),
    warmup: (ctx) => sizer.warmup(ctx, () => measure(ctx, shape, warmupN)),
  };
}
