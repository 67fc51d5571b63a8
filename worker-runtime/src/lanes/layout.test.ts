import { describe, expect, it } from 'vitest';
import { LANE_METADATA_KEY, decodeLaneLayout, encodeLaneLayout, laneLayoutOf, lanesOf } from './layout.ts';

describe('lane layout', () => {
  it('is absent for a single lane, so such queues keep one consumer', () => {
    expect(laneLayoutOf(1, 1)).toBeUndefined();
    expect(laneLayoutOf(3, 1)).toEqual({ levels: 3, buckets: 1, lowSharePercent: 10 });
  });

  it.each([
    [0, 1, 10, /priority levels/],
    [11, 1, 10, /priority levels/],
    [1, 65, 10, /fairness buckets/],
    [4, 32, 10, /levels times fairness buckets/],
    [2, 2, 51, /lowShare/],
    [2.5, 1, 10, /priority levels/],
  ])('rejects levels %d, buckets %d, lowShare %d naming the field', (levels, buckets, share, message) => {
    expect(() => laneLayoutOf(levels, buckets, share)).toThrow(message);
  });

  it('round-trips through stream metadata and lists lanes highest level first', () => {
    const layout = laneLayoutOf(2, 2, 20)!;
    expect(decodeLaneLayout({ [LANE_METADATA_KEY]: encodeLaneLayout(layout), '_nats.ver': '2.14.10' })).toEqual(layout);
    expect(decodeLaneLayout({ [LANE_METADATA_KEY]: 'none' })).toBeUndefined();
    expect(decodeLaneLayout({ [LANE_METADATA_KEY]: 'levels=99,buckets=1,lowShare=10' })).toBeUndefined();
    expect(lanesOf(layout).map((l) => l.consumer)).toEqual(['lane-1-0', 'lane-1-1', 'workers', 'lane-0-1']);
  });
});
