import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces calls at 1/qps, in order', () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 20, burst: 40, now: () => now });
    const delays = Array.from({ length: 45 }, () => bucket.reserve());
    expect(delays.slice(0, 40)).toEqual(Array(40).fill(0));
    expect(delays.slice(40)).toEqual([50, 100, 150, 200, 250]);
    // 1 s later 20 tokens came in, but the 5 reservations in debt took 5 of them.
    now = 1000;
    const next = Array.from({ length: 16 }, () => bucket.reserve());
    expect(next.slice(0, 15)).toEqual(Array(15).fill(0));
    expect(next[15]).toBe(50);
  });

  it('banks at most burst tokens after a quiet spell', () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 10, burst: 3, now: () => now });
    now = 60_000;
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0, 100]);
  });

  it('tryTake takes a free token or none, never going into debt', () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 1, burst: 2, now: () => now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    now = 1000;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.reserve()).toBe(1000);
    expect(bucket.tryTake()).toBe(false);
  });

  it('refuses a rate it cannot honour', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
