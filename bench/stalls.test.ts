import { describe, expect, it } from 'vitest';
import { StallWatch, overlapsStall } from './stalls.ts';

describe('StallWatch', () => {
  it('records polls that came back late, and only those', () => {
    const w = new StallWatch();
    for (const t of [0, 1_000, 2_100, 9_000, 10_000, 13_000]) w.tick(t);
    expect(w.stalls).toEqual([
      [2_100, 9_000],
      [10_000, 13_000],
    ]);
    expect(w.totalMs()).toBeCloseTo(9.9);
  });
});

describe('overlapsStall', () => {
  const stalls = [
    [100, 200],
    [500, 600],
  ] as const;
  it('finds a wait that overlaps a stall at either end or contains it', () => {
    expect(overlapsStall(stalls, 50, 150)).toBe(true);
    expect(overlapsStall(stalls, 150, 300)).toBe(true);
    expect(overlapsStall(stalls, 400, 700)).toBe(true);
  });
  it('clears a wait between, before or after the stalls', () => {
    expect(overlapsStall(stalls, 200, 500)).toBe(false);
    expect(overlapsStall(stalls, 0, 100)).toBe(false);
    expect(overlapsStall(stalls, 600, 900)).toBe(false);
    expect(overlapsStall([], 0, 900)).toBe(false);
  });
});
