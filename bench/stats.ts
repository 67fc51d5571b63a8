/** Summary statistics for bench samples. Exact (sorted arrays), not approximated: samples are at most a few 100k. */

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile (q in 0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  if (q <= 0) return sorted[0]!;
  // The epsilon keeps 99.9% of 1000 at rank 999: (99.9 / 100) * 1000 is 999.0000000000001 in floating point.
  const rank = Math.max(1, Math.ceil((q * sorted.length) / 100 - 1e-9));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 50);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median and range over the runs of one scenario. */
export function spread(values: readonly number[]): Spread {
  const s = sortedCopy(values);
  // With an even count the nearest-rank median is the lower middle; the mean of the middle two is the usual report.
  const mid = s.length % 2 === 0 && s.length > 0 ? (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 : percentile(s, 50);
  return { median: mid, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length };
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarizeLatency(values: ArrayLike<number>): LatencySummary {
  const s = sortedCopy(values);
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9), max: s[s.length - 1] ?? NaN };
}
