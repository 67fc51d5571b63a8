/**
 * Stretches in which a consumer process's event loop did not run. The consumer polls for
 * completion every millisecond; a poll that comes back much later means the process was not
 * scheduled (or was busy), and every task that arrived meanwhile waited. On a shared 2-core
 * machine such stalls, not the code under test, make most of a latency run's tail: measuring
 * them beside the latency lets a reader tell the two apart.
 */

/** A poll more than this late counts as a stall: 1 ms of timer period plus generous slack. */
export const STALL_THRESHOLD_US = 2_500;

/** [from, to] in µs of the system-wide monotonic clock. */
export type Stall = readonly [number, number];

export class StallWatch {
  readonly stalls: Stall[] = [];
  private last: number | undefined;

  /** Called from the poll loop with the current time. */
  tick(nowUs: number): void {
    if (this.last !== undefined && nowUs - this.last > STALL_THRESHOLD_US) this.stalls.push([this.last, nowUs]);
    this.last = nowUs;
  }

  totalMs(): number {
    return this.stalls.reduce((sum, [a, b]) => sum + (b - a), 0) / 1000;
  }
}

/** Whether the span [fromUs, toUs] (a task's wait) overlaps any stall. `stalls` is in time order. */
export function overlapsStall(stalls: readonly Stall[], fromUs: number, toUs: number): boolean {
  // Binary search for the first stall ending after fromUs: runs are thousands of tasks.
  let lo = 0;
  let hi = stalls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (stalls[mid]![1] <= fromUs) lo = mid + 1;
    else hi = mid;
  }
  return lo < stalls.length && stalls[lo]![0] < toUs;
}
