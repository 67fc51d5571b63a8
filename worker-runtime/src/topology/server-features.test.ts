import { describe, expect, it } from 'vitest';
import { minimumMinor, parseServerVersion, serverFeatures } from './server-features.ts';

describe('serverFeatures', () => {
  it('gives a 2.11 server TTL and consumer pause but no schedules nor fast batches', () => {
    expect(serverFeatures('2.11.9')).toEqual({ messageTtl: true, consumerPause: true, scheduleAt: false, messageCounter: false, scheduleRecurring: false, fastBatch: false });
  });
  it('gives a 2.12 server one-shot schedules but not recurring ones', () => {
    const f = serverFeatures('2.12.3');
    expect(f.scheduleAt).toBe(true);
    expect(f.scheduleRecurring).toBe(false);
  });
  it('gives 2.14 and later everything, across major and minor rollovers', () => {
    for (const v of ['2.14.0', '2.14.10', '2.20.1', '3.0.0']) expect(Object.values(serverFeatures(v)).every(Boolean), v).toBe(true);
  });
  it('compares numerically, not as text', () => {
    expect(serverFeatures('2.9.25').messageTtl).toBe(false);
    expect(serverFeatures('2.10.99').messageTtl).toBe(false);
  });
  it('counts a pre-release as its release and accepts a leading v', () => {
    expect(serverFeatures('2.12.0-RC.2').scheduleAt).toBe(true);
    expect(serverFeatures('v2.14.1-dev').scheduleRecurring).toBe(true);
  });
  it('gives an unreadable or missing version no features', () => {
    expect(Object.values(serverFeatures('garbage')).some(Boolean)).toBe(false);
    expect(Object.values(serverFeatures(undefined)).some(Boolean)).toBe(false);
    expect(parseServerVersion('2.12')).toBeUndefined();
  });
  it('names the minor release to upgrade to', () => {
    expect(minimumMinor('scheduleAt')).toBe('2.12');
    expect(minimumMinor('scheduleRecurring')).toBe('2.14');
  });
});
