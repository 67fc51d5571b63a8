import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { ReadAhead, readAheadSize } from './read-ahead.ts';

describe('readAheadSize', () => {
  const max = DEFAULTS.readAheadMaxExtra;
  it.each([
    // [concurrency, tasks/s, expected]
    [1, 0, 1], // idle or just started: the slots only
    [1, 5, 1], // 200 ms tasks: nothing waits in a buffer
    [1, 50, 6], // 20 ms tasks: what starts in the next 100 ms
    [1, 30_000, 1 + max], // no-op tasks: the full buffer
    [16, 160, 32], // 100 ms tasks at 16: 16 more
    [100, 50_000, 100 + max],
  ])('at concurrency %i and %i tasks/s pulls %i ahead', (concurrency, rate, expected) => {
    expect(readAheadSize(concurrency, rate)).toBe(expected);
  });
});

describe('ReadAhead', () => {
  afterEach(() => vi.useRealTimers());

  it('sizes the read-ahead from the rate 50 ms after start, then every 250 ms', () => {
    vi.useFakeTimers();
    const sizes: number[] = [];
    const readAhead = new ReadAhead(1, (size) => sizes.push(size));
    readAhead.taken = 100; // 100 tasks in the first 50 ms: 2,000/s
    vi.advanceTimersByTime(DEFAULTS.readAheadFirstTickMs);
    expect(sizes).toEqual([readAheadSize(1, 2_000)]);
    expect(sizes[0]).toBeGreaterThan(1);
    vi.advanceTimersByTime(DEFAULTS.readAheadIntervalMs - DEFAULTS.readAheadFirstTickMs);
    expect(sizes).toHaveLength(2); // the regular tick, at 250 ms
    readAhead.close();
    vi.advanceTimersByTime(1_000);
    expect(sizes).toHaveLength(2);
  });
});
