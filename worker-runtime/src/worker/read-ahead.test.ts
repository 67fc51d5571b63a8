import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { readAheadSize } from './read-ahead.ts';

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
