import type { TaskKind, RunCheck } from './recorder.ts';
import type { LatencySummary } from './stats.ts';
import type { Endpoints, SystemName, Variant } from './systems/index.ts';

/** Parent to consumer process: consume one queue until `expected` tasks completed. */
export interface ConsumeRequest {
  type: 'consume';
  system: SystemName;
  variant?: Variant | undefined;
  endpoints: Endpoints;
  queue: string;
  concurrency: number;
  prefetch: number;
  task: TaskKind;
  expected: number;
  latency: boolean;
  timeoutMs: number;
}

export type ToConsumer = ConsumeRequest | { type: 'exit' };

export interface ConsumeResult {
  type: 'finished';
  /** µs, system-wide monotonic clock: first handler start and the moment the last completion was seen. */
  firstStartUs: number;
  doneUs: number;
  completed: number;
  timedOut: boolean;
  check: RunCheck;
  latency: { all: LatencySummary; unstalled: LatencySummary } | undefined;
  /** Time the consumer's event loop did not run, in stretches over STALL_THRESHOLD_US (bench/stalls.ts). */
  stalls: { count: number; totalMs: number };
}

export type FromConsumer = { type: 'consuming' } | ConsumeResult | { type: 'failed'; error: string };
