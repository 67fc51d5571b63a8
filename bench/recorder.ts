import { setTimeout as sleep } from 'node:timers/promises';
import { nowUs, type BenchPayload } from './payload.ts';
import { overlapsStall, type Stall } from './stalls.ts';
import { summarizeLatency, type LatencySummary } from './stats.ts';

export type TaskKind = 'noop' | 'async-1ms';

export interface RunCheck {
  /** Extra runs beyond the first, summed over tasks. */
  duplicates: number;
  /** Tasks that never ran. */
  missing: number;
}

/**
 * Counts runs per task index (the exactly-once check) and, when asked, enqueue-to-start latency.
 * Lives in the consumer process; the handler it builds is what every system runs.
 */
export class RunRecorder {
  private readonly runs: Uint32Array;
  private readonly latencyUs: Float64Array | undefined;
  /** When each task's handler started (µs), to match its wait against the consumer's stalls. */
  private readonly startUs: Float64Array | undefined;
  private recorded = 0;
  firstStartUs = 0;

  constructor(expected: number, latency: boolean) {
    this.runs = new Uint32Array(expected);
    this.latencyUs = latency ? new Float64Array(expected) : undefined;
    this.startUs = latency ? new Float64Array(expected) : undefined;
  }

  record(p: BenchPayload): void {
    const now = this.latencyUs || this.firstStartUs === 0 ? nowUs() : 0;
    if (this.firstStartUs === 0) this.firstStartUs = now;
    // Indexes outside the run (a stray message) count as duplicates: they ran, and should not have.
    if (!(p.i >= 0 && p.i < this.runs.length)) {
      this.recorded++;
      return;
    }
    if (this.runs[p.i]!++ === 0 && this.latencyUs) {
      this.latencyUs[p.i] = now - p.t;
      this.startUs![p.i] = now;
    }
  }

  /** The task body: a no-op, or one that awaits a 1 ms timer (an I/O-bound handler's shape). */
  handler(kind: TaskKind): (p: BenchPayload) => void | Promise<void> {
    if (kind === 'noop') return (p) => this.record(p);
    return async (p) => {
      this.record(p);
      // A 1 ms timer can fire sooner by the clock: libuv counts from the loop's cached time, which
      // lags on a busy loop (0.3 ms seen under the full suite). Wait out the whole millisecond.
      const until = performance.now() + 1;
      do await sleep(1);
      while (performance.now() < until);
    };
  }

  check(): RunCheck {
    let duplicates = this.recorded;
    let missing = 0;
    for (const n of this.runs) {
      if (n === 0) missing++;
      else duplicates += n - 1;
    }
    return { duplicates, missing };
  }

  /**
   * Latency in ms of the tasks that ran, or undefined when not recorded; with `stalls`, also of
   * the tasks whose wait overlapped none of them.
   */
  latency(stalls: readonly Stall[] = []): { all: LatencySummary; unstalled: LatencySummary } | undefined {
    if (!this.latencyUs || !this.startUs) return undefined;
    const all: number[] = [];
    const unstalled: number[] = [];
    for (let i = 0; i < this.latencyUs.length; i++) {
      if (this.runs[i] === 0) continue;
      const us = this.latencyUs[i]!;
      all.push(us / 1000);
      if (!overlapsStall(stalls, this.startUs[i]! - us, this.startUs[i]!)) unstalled.push(us / 1000);
    }
    return { all: summarizeLatency(all), unstalled: summarizeLatency(unstalled) };
  }
}
