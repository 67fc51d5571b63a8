import { describe, expect, it } from 'vitest';
import { GROUP_SHARD_MEMBERS, groupShards, shardSize } from './plan.ts';

describe('group shards', () => {
  it('keeps one list up to the shard size, then stripes members over ceil(size / 32) shards', () => {
    expect([1, GROUP_SHARD_MEMBERS, GROUP_SHARD_MEMBERS + 1, 1000].map(groupShards)).toEqual([1, 1, 2, 32]);
  });

  it('puts every member in exactly one shard, the shard sizes adding up to the group', () => {
    for (const size of [33, 100, 1000, 1001]) {
      const shards = groupShards(size);
      const counted = new Array<number>(shards).fill(0);
      for (let m = 0; m < size; m++) counted[m % shards]!++;
      expect(counted).toEqual(Array.from({ length: shards }, (_, s) => shardSize(size, shards, s)));
    }
  });
});
