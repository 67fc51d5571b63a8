import { describe, expect, it } from 'vitest';
import { defaultQueueSettings } from '../topology/settings.ts';
import { cancelBucketName, cancelTtlMs, desiredCancelBucket } from './bucket.ts';

describe('the cancel bucket', () => {
  it('is named after the queue like its other objects', () => {
    expect(cancelBucketName('order-emails')).toBe('CELERIAC_ORDER_EMAILS_CANCELS');
  });

  it('keeps a cancel as long as the longer of the queue max age and the result TTL', () => {
    const s = defaultQueueSettings('q');
    expect(cancelTtlMs(s)).toBe(s.results.ttlMs);
    expect(cancelTtlMs({ ...s, maxAgeMs: 7 * s.results.ttlMs })).toBe(7 * s.results.ttlMs);
    expect(desiredCancelBucket({ ...s, storage: 'memory', replicas: 3 })).toMatchObject({ ttl: s.results.ttlMs, replicas: 3, storage: 'memory', history: 1 });
  });
});
