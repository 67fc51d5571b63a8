import type { ConsumerLink } from '../consumer-link.ts';
import type { RunCheck, TaskKind } from '../recorder.ts';
import type { Endpoints, System } from '../systems/index.ts';

/** What a scenario run gets: the system in this process (producer, admin) and a consumer process. */
export interface ScenarioContext {
  system: System;
  endpoints: Endpoints;
  /** The consumer process of this scenario and system, started on first use and kept for its runs. */
  consumer(): ConsumerLink;
  /** A fresh queue name, never used before in this bench run. */
  newQueue(): string;
  /** Upper bound for one consume; a run past it is reported as failed, not waited for forever. */
  timeoutMs: number;
}

export interface Figure {
  metric: string;
  value: number;
  unit: string;
}

/** The exactly-once check of one run: runs per task index, plus what the server still holds. */
export interface Check extends RunCheck {
  /** Tasks the server still counts as waiting or unacknowledged after the run. */
  unacked: number;
}

export interface Measurement {
  figures: Figure[];
  check: Check;
}

export interface Scenario {
  name: string;
  /** Has a consumer: the systems' variants (which differ only in how they consume) are measured too. */
  consumes: boolean;
  /** One line for the docs: what is measured and how. */
  description: string;
  run(ctx: ScenarioContext): Promise<Measurement>;
  /** A smaller run whose result is thrown away: JIT, connections and server caches warm up. */
  warmup(ctx: ScenarioContext): Promise<unknown>;
}

export const rate = (n: number, us: number): Figure => ({ metric: 'throughput', value: n / (us / 1e6), unit: 'tasks/s' });

/** How the consumer process runs tasks in a scenario. */
export interface ConsumeShape {
  task: TaskKind;
  concurrency: number;
  prefetch: number;
}

export const taskLabel = (t: TaskKind) => (t === 'noop' ? 'noop' : '1ms');
