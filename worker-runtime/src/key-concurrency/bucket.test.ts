import { describe, expect, it } from 'vitest';
import { defaultQueueSettings } from '../topology/settings.ts';
import { desiredSlotBucket, slotBucketName } from './bucket.ts';

describe('slot bucket', () => {
  it('is named after the queue like its other buckets', () => {
    expect(slotBucketName('billing-eu')).toBe('CELERIAC_BILLING_EU_SLOTS');
  });

  it('expires an entry one slot TTL after its last write, with a marker a watch sees, and keeps no history', () => {
    const s = defaultQueueSettings('q', { concurrencySlotTtlMs: 20_000, replicas: 3, storage: 'memory' });
    expect(desiredSlotBucket(s)).toMatchObject({ name: 'CELERIAC_Q_SLOTS', ttl: 20_000, markerTTL: 20_000, replicas: 3, storage: 'memory', history: 1 });
  });

  it("keeps the marker the server's minimum of one second for a shorter TTL", () => {
    expect(desiredSlotBucket(defaultQueueSettings('q', { concurrencySlotTtlMs: 500 })).markerTTL).toBe(1_000);
  });
});
