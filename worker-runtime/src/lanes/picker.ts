import type { LaneLayout } from './layout.ts';

/** How many tasks wait in each lane and level, as the picker reads them. */
export interface LaneCounts {
  /** Tasks held for lane `level * buckets + bucket`. */
  lane(index: number): number;
  /** The lane holds none but its next task is on its way (lanes/lane-buffer.ts `expecting`). */
  expected(index: number): boolean;
  /** Tasks held in all buckets of a level, an expected one counting as one. */
  level(level: number): number;
}

/**
 * Which lane a worker's next free slot takes a task from. Pure state machine, unit-tested.
 *
 * Priority: the highest level with work, except that each level yields `lowSharePercent` of its
 * picks to the levels below it while they have work, and those share their picks by the same
 * rule (under a flood of levels 2 and 1 with a 10 % share, level 1 gets 10 % and level 0 1 %).
 * The share is counted in credit, so a lower level whose next task is still on its way misses
 * no turn: at most one owed pick waits for it.
 *
 * Fairness: within a level, buckets take turns (round robin over those with work), so a key with
 * a large backlog delays another key's tasks by at most one of its own per turn.
 */
export class LanePicker {
  private readonly layout: LaneLayout;
  /** Per level, percent points of picks owed to lower levels (at most 100: one pick). */
  private readonly credit: number[];
  /** Per level, the bucket picked last. */
  private readonly cursor: number[];

  constructor(layout: LaneLayout) {
    this.layout = layout;
    this.credit = new Array<number>(layout.levels).fill(0);
    this.cursor = new Array<number>(layout.levels).fill(layout.buckets - 1);
  }

  /** The lane index to take the next task from, or undefined when every lane is empty. */
  pick(counts: LaneCounts): number | undefined {
    const level = this.pickLevel(this.layout.levels, counts);
    return level === undefined ? undefined : this.pickBucket(level, counts);
  }

  /** The level to serve among those below `top`. */
  private pickLevel(top: number, counts: LaneCounts): number | undefined {
    let high = top - 1;
    while (high >= 0 && counts.level(high) === 0) high--;
    if (high < 0) return undefined;
    this.credit[high] = Math.min(100, this.credit[high]! + this.layout.lowSharePercent);
    if (this.credit[high]! < 100) return high;
    let lower = high - 1;
    while (lower >= 0 && counts.level(lower) === 0) lower--;
    if (lower < 0) return high;
    this.credit[high] = this.credit[high]! - 100;
    return this.pickLevel(high, counts);
  }

  /**
   * The next bucket with a task held; only when none has one, the next whose task is on its way
   * (the caller waits for it). Buckets are turns, not an order: a bucket whose refill is in
   * flight misses this pick and keeps its place for the next.
   */
  private pickBucket(level: number, counts: LaneCounts): number {
    const { buckets } = this.layout;
    const base = level * buckets;
    const next = (has: (i: number) => boolean) => {
      for (let step = 1; step <= buckets; step++) {
        const bucket = (this.cursor[level]! + step) % buckets;
        if (has(base + bucket)) return bucket;
      }
      return undefined;
    };
    const held = next((i) => counts.lane(i) > 0);
    if (held !== undefined) {
      this.cursor[level] = held;
      return base + held;
    }
    // Unreachable with no expected bucket either (the level's count says it has work); its first lane is a safe answer.
    return base + (next((i) => counts.expected(i)) ?? 0);
  }
}
