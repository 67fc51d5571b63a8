import { describe, expect, it } from 'vitest';
import { DEFAULTS } from 'celeriac/topology';
import { taskQueue } from '../test-fixtures.ts';
import { queueSettingsOf, retryPolicyOf } from './settings.ts';

describe('queueSettingsOf', () => {
  it('translates a defaulted TaskQueue into runtime settings', () => {
    const s = queueSettingsOf(taskQueue('emails'));
    expect(s).toMatchObject({
      queue: 'emails',
      tasks: [],
      storage: 'file',
      replicas: 1,
      discard: 'new',
      ackWaitMs: 30_000,
      maxInFlight: 10_000,
      maxDeliveries: 100,
      duplicateWindowMs: 120_000,
      deadLetter: { enabled: true, maxAgeMs: 336 * 3_600_000 },
      results: { enabled: true, ttlMs: 24 * 3_600_000 },
      unknownTaskGraceMs: 10 * 60_000,
    });
  });

  it('uses queueName over metadata.name and converts units', () => {
    const s = queueSettingsOf(
      taskQueue('x', { queueName: 'billing', storage: 'Memory', limits: { maxAge: '1h', maxBytes: '1Gi', maxMessages: 5, discard: 'Old' }, results: { enabled: false } }),
    );
    expect(s).toMatchObject({ queue: 'billing', storage: 'memory', maxAgeMs: 3_600_000, maxBytes: 1024 ** 3, maxMessages: 5, discard: 'old', results: { enabled: false } });
  });

  it('passes maxDeliveries through and unknownTaskGracePeriod in ms', () => {
    const s = queueSettingsOf(taskQueue('x', { maxDeliveries: 7, unknownTaskGracePeriod: '1m30s' }));
    expect(s).toMatchObject({ maxDeliveries: 7, unknownTaskGraceMs: 90_000 });
  });

  it('gives concurrencySlotTtl in ms, and the runtime default when unset', () => {
    expect(queueSettingsOf(taskQueue('x', { concurrencySlotTtl: '45s' })).concurrencySlotTtlMs).toBe(45_000);
    expect(queueSettingsOf(taskQueue('x')).concurrencySlotTtlMs).toBe(DEFAULTS.concurrencySlotTtlMs);
  });
});

describe('queueSettingsOf lanes', () => {
  it('has no lanes without priorities or fairness, so the queue keeps its one consumer', () => {
    expect(queueSettingsOf(taskQueue('x')).lanes).toBeUndefined();
    expect(queueSettingsOf(taskQueue('x', { priorities: { levels: 1 }, fairness: { buckets: 1 } })).lanes).toBeUndefined();
  });

  it('maps priority levels, their low share and fairness buckets', () => {
    expect(queueSettingsOf(taskQueue('x', { priorities: { levels: 3, lowShare: 20 } })).lanes).toEqual({ levels: 3, buckets: 1, lowSharePercent: 20 });
    expect(queueSettingsOf(taskQueue('x', { fairness: { buckets: 16 } })).lanes).toEqual({ levels: 1, buckets: 16, lowSharePercent: 10 });
  });
});

describe('retryPolicyOf', () => {
  it.each([
    [{ maxAttempts: 3, backoff: { type: 'fixed' as const, delay: '2s' } }, { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 2000 } }],
    [{ backoff: { type: 'list' as const, delays: ['1s', '1m'] } }, { maxAttempts: 5, backoff: { type: 'list', delaysMs: [1000, 60_000] } }],
    [{}, { maxAttempts: 5, backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: true } }],
  ])('maps %j', (retry, want) => {
    expect(retryPolicyOf(taskQueue('q', { retry }))).toEqual(want);
  });
});
