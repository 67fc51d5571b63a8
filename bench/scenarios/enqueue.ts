import { makePayload, nowUs } from '../payload.ts';
import { rate, type Measurement, type Scenario, type ScenarioContext } from './context.ts';
import { BULK_BATCH, enqueueBulk, windowed, withQueue } from './helpers.ts';

export type EnqueueMode = 'one-at-a-time' | 'window-64' | 'bulk';

async function measure(ctx: ScenarioContext, mode: EnqueueMode, n: number): Promise<Measurement> {
  return withQueue(ctx, async (queue, producer) => {
    const t0 = nowUs();
    if (mode === 'one-at-a-time') {
      for (let i = 0; i < n; i++) await producer.enqueue(makePayload(i));
    } else if (mode === 'window-64') {
      await windowed(n, 64, (i) => producer.enqueue(makePayload(i)));
    } else {
      await enqueueBulk(producer, n);
    }
    const elapsed = nowUs() - t0;
    // Nothing consumes: every task must be stored exactly once.
    const stored = await ctx.system.outstanding(queue);
    return { figures: [rate(n, elapsed)], check: { duplicates: Math.max(0, stored - n), missing: Math.max(0, n - stored), unacked: 0 } };
  });
}

const how: Record<EnqueueMode, string> = {
  'one-at-a-time': 'each enqueue awaited before the next',
  'window-64': '64 enqueues in flight, a new one as each is acknowledged',
  bulk: `batches of ${BULK_BATCH} (enqueueMany, addBulk; raw: ${BULK_BATCH} js.publish in flight), one batch at a time`,
};

export function enqueueScenario(mode: EnqueueMode, n: number, warmupN: number): Scenario {
  return {
    name: `enqueue-${mode}`,
    consumes: false,
    description: `Enqueue ${n.toLocaleString('en')} tasks with no consumer, ${how[mode]}; rate from first call to last acknowledgement.`,
    run: (ctx) => measure(ctx, mode, n),
    warmup: (ctx) => measure(ctx, mode, warmupN),
  };
}
