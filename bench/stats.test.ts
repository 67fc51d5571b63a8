import { describe, expect, it } from 'vitest';
import { percentile, spread, summarizeLatency } from './stats.ts';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of a sorted array', () => {
    const s = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(s, 50)).toBe(500);
    expect(percentile(s, 99)).toBe(990);
    expect(percentile(s, 99.9)).toBe(999);
    expect(percentile(s, 100)).toBe(1000);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('reports the median and range of runs in any order', () => {
    expect(spread([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
  });

  it('summarizes latencies without being fooled by insertion order', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000);
    expect(summarizeLatency(values)).toEqual({ count: 10_000, p50: 4999, p99: 9899, p999: 9989, max: 9999 });
  });
});
