import { ConsumerLink } from './consumer-link.ts';
import { aggregate, type ScenarioResult } from './results.ts';
import type { Measurement, Scenario, ScenarioContext } from './scenarios/context.ts';
import type { Endpoints, System } from './systems/index.ts';

export interface RunOptions {
  runs: number;
  endpoints: Endpoints;
  /** Node flags of the consumer processes (e.g. --cpu-prof). */
  execArgv: string[];
  timeoutMs: number;
}

let queues = 0;

interface Lane {
  system: System;
  ctx: ScenarioContext;
  link: ConsumerLink | undefined;
  measured: Measurement[];
  error?: string;
}

/**
 * One scenario on every system: a consumer process and a warm-up run per system, then the
 * measured runs taken in turns (A, B, C, A, B, C, ...), so that a noisy minute on a shared
 * machine falls on every system alike instead of on whichever ran then. A failure is recorded
 * in that system's result, so one broken system never hides the others' numbers.
 */
export async function runScenario(scenario: Scenario, systems: readonly System[], opts: RunOptions): Promise<ScenarioResult[]> {
  const lanes = systems.filter((s) => scenario.consumes || !s.variant).map((system): Lane => {
    const lane: Lane = {
      system,
      link: undefined,
      measured: [],
      ctx: {
        system,
        endpoints: opts.endpoints,
        consumer: () => (lane.link ??= new ConsumerLink(opts.execArgv)),
        newQueue: () => `bench-${process.pid}-${++queues}`,
        timeoutMs: opts.timeoutMs,
      },
    };
    return lane;
  });
  const attempt = async (lane: Lane, step: (ctx: ScenarioContext) => Promise<void>) => {
    if (lane.error !== undefined) return;
    try {
      await step(lane.ctx);
    } catch (e) {
      lane.error = e instanceof Error ? e.message : String(e);
    }
  };
  try {
    for (const lane of lanes) await attempt(lane, async (ctx) => void (await scenario.warmup(ctx)));
    for (let i = 0; i < opts.runs; i++) {
      for (const lane of lanes) await attempt(lane, async (ctx) => void lane.measured.push(await scenario.run(ctx)));
    }
    return lanes.map((l) => aggregate(scenario.name, { system: l.system.name, variant: l.system.variant }, l.measured, l.error));
  } finally {
    await Promise.all(lanes.map(async (l) => l.link?.close()));
  }
}
