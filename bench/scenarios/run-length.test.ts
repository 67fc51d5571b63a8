import { describe, expect, it } from 'vitest';
import type { Measurement, ScenarioContext } from './context.ts';
import { runSizer } from './run-length.ts';

const ctx = () => ({}) as ScenarioContext;
const measured = (throughput: number): Measurement => ({ figures: [{ metric: 'throughput', value: throughput, unit: 'tasks/s' }], check: { duplicates: 0, missing: 0, unacked: 0 } });

describe('run length from the warm-up rate', () => {
  it('sizes each lane from its own warm-up, between the scenario count and the cap', async () => {
    const sizer = runSizer({ seconds: 1.5, max: 150_000 }, 10_000);
    const [fast, slow, huge, cold] = [ctx(), ctx(), ctx(), ctx()];
    await sizer.warmup(fast, async () => measured(60_000));
    await sizer.warmup(slow, async () => measured(2_000));
    await sizer.warmup(huge, async () => measured(1_000_000));
    expect(sizer.size(fast)).toBe(90_000);
    expect(sizer.size(slow)).toBe(10_000);
    expect(sizer.size(huge)).toBe(150_000);
    expect(sizer.size(cold)).toBe(10_000); // no warm-up seen: the scenario's count
  });

  it('keeps the fixed count without a run length (the full bench)', async () => {
    const sizer = runSizer(undefined, 100_000);
    const c = ctx();
    await sizer.warmup(c, async () => measured(90_000));
    expect(sizer.size(c)).toBe(100_000);
  });
});
