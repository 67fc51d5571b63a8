import type { Measurement, ScenarioContext } from './context.ts';

/**
 * Sizes a measured run from its warm-up's rate, so every system's run lasts about `seconds`
 * (a 10,000-task drain at 90k/s is a 0.1 s window, too short to rank anything): at least the
 * scenario's own count, at most `max`.
 */
export interface RunLength {
  seconds: number;
  max: number;
}

/** Remembers each lane's warm-up rate (its context is the key) and turns it into a run size. */
export function runSizer(length: RunLength | undefined, n: number) {
  const rates = new WeakMap<ScenarioContext, number>();
  return {
    /** Wraps a warm-up so its throughput is remembered. */
    warmup: async (ctx: ScenarioContext, measure: () => Promise<Measurement>) => {
      const m = await measure();
      const r = m.figures.find((f) => f.metric === 'throughput')?.value;
      if (r !== undefined) rates.set(ctx, r);
      return m;
    },
    size(ctx: ScenarioContext): number {
      const r = rates.get(ctx);
      if (!length || r === undefined) return n;
      return Math.min(length.max, Math.max(n, Math.round(r * length.seconds)));
    },
  };
}
