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

/**
 * One scenario on one system: a fresh consumer process, a warm-up run, then the measured runs.
 * A failure is recorded in the result, so one broken system never hides the others' numbers.
 */
export async function runScenario(scenario: Scenario, system: System, opts: RunOptions): Promise<ScenarioResult> {
  let link: ConsumerLink | undefined;
  const ctx: ScenarioContext = {
    system,
    endpoints: opts.endpoints,
    consumer: () => (link ??= new ConsumerLink(opts.execArgv)),
    newQueue: () => `bench-${process.pid}-${++queues}`,
    timeoutMs: opts.timeoutMs,
  };
  const measured: Measurement[] = [];
  try {
    await scenario.warmup(ctx);
    for (let i = 0; i < opts.runs; i++) measured.push(await scenario.run(ctx));
    return aggregate(scenario.name, system.name, measured);
  } catch (e) {
    return aggregate(scenario.name, system.name, measured, e instanceof Error ? e.message : String(e));
  } finally {
    await link?.close();
  }
}
