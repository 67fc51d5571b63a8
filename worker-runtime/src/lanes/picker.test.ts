import { describe, expect, it } from 'vitest';
import { LanePicker, type LaneCounts } from './picker.ts';

/** Counts over a fixed array of lane sizes; a pick takes one task from the picked lane. */
function lanes(levels: number, buckets: number, sizes: number[]) {
  const counts: LaneCounts = {
    lane: (i) => sizes[i]!,
    expected: () => false,
    level: (l) => sizes.slice(l * buckets, (l + 1) * buckets).reduce((a, b) => a + b, 0),
  };
  const take = (picker: LanePicker, n: number) => {
    const picked: number[] = [];
    for (let i = 0; i < n; i++) {
      const lane = picker.pick(counts);
      if (lane === undefined) break;
      sizes[lane]!--;
      picked.push(lane);
    }
    return picked;
  };
  return { counts, take, layout: { levels, buckets } };
}

describe('LanePicker', () => {
  it('takes the highest level with work first', () => {
    const l = lanes(3, 1, [5, 0, 2]);
    const picker = new LanePicker({ ...l.layout, lowSharePercent: 0 });
    expect(l.take(picker, 10)).toEqual([2, 2, 0, 0, 0, 0, 0]);
  });

  it('yields the low share of picks to a lower level while both have work', () => {
    const l = lanes(2, 1, [1_000, 1_000]);
    const picker = new LanePicker({ ...l.layout, lowSharePercent: 10 });
    const picked = l.take(picker, 1_000);
    expect(picked.filter((p) => p === 0)).toHaveLength(100);
    expect(picked.slice(0, 10)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('shares the yielded picks among lower levels by the same rule', () => {
    const l = lanes(3, 1, [10_000, 10_000, 10_000]);
    const picker = new LanePicker({ ...l.layout, lowSharePercent: 10 });
    const picked = l.take(picker, 10_000);
    expect(picked.filter((p) => p === 1)).toHaveLength(900);
    expect(picked.filter((p) => p === 0)).toHaveLength(100);
  });

  it('owes a lower level at most one pick while it had no task ready', () => {
    const sizes = [0, 100];
    const l = lanes(2, 1, sizes);
    const picker = new LanePicker({ ...l.layout, lowSharePercent: 25 });
    expect(l.take(picker, 20)).toEqual(new Array(20).fill(1));
    sizes[0] = 5;
    expect(l.take(picker, 6)).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('takes turns between buckets of a level with work', () => {
    const l = lanes(1, 4, [1_000, 0, 3, 2]);
    const picker = new LanePicker({ ...l.layout, lowSharePercent: 10 });
    expect(l.take(picker, 9)).toEqual([0, 2, 3, 0, 2, 3, 0, 2, 0]);
  });

  it('keeps a slot for a level whose next task is on its way, but passes over such a bucket while another has one', () => {
    const held = [5, 0, 0, 0];
    const expected = new Set([2]);
    const counts: LaneCounts = {
      lane: (i) => held[i]!,
      expected: (i) => expected.has(i),
      level: (l) => held[l * 2]! + held[l * 2 + 1]! + (expected.has(l * 2) ? 1 : 0) + (expected.has(l * 2 + 1) ? 1 : 0),
    };
    const picker = new LanePicker({ levels: 2, buckets: 2, lowSharePercent: 0 });
    // Level 1 has only an expected task: the pick names it (the caller waits), not level 0's held ones.
    expect(picker.pick(counts)).toBe(2);
    held[3] = 1;
    expect(picker.pick(counts)).toBe(3);
  });

  it('answers undefined when every lane is empty', () => {
    const l = lanes(2, 2, [0, 0, 0, 0]);
    expect(new LanePicker({ ...l.layout, lowSharePercent: 10 }).pick(l.counts)).toBeUndefined();
  });
});
