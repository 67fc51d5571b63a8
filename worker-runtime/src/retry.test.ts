import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveRetryPolicy } from './retry.ts';

describe('backoffDelay', () => {
  it('is constant for fixed backoff', () => {
    expect([1, 2, 9].map((a) => backoffDelay({ type: 'fixed', delayMs: 250 }, a))).toEqual([250, 250, 250]);
  });

  it('walks a list and repeats its last entry', () => {
    const b = { type: 'list' as const, delaysMs: [100, 1000, 5000] };
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(b, a))).toEqual([100, 1000, 5000, 5000, 5000]);
  });

  it('doubles without jitter and stops at the cap', () => {
    const b = { type: 'exponential' as const, delayMs: 100, maxDelayMs: 1000, jitter: false };
    expect([1, 2, 3, 4, 5, 60].map((a) => backoffDelay(b, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps jittered delays between half and all of the exponential ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const b = { type: 'exponential' as const, delayMs: 100, maxDelayMs: 60_000, jitter: true };
        const ceiling = Math.min(60_000, 100 * 2 ** (attempt - 1));
        const d = backoffDelay(b, attempt, () => r);
        return d >= Math.floor(ceiling / 2) && d <= ceiling;
      }),
    );
  });
});

describe('resolveRetryPolicy', () => {
  it('fills unset fields from the base policy', () => {
    const base = { maxAttempts: 7, backoff: { type: 'fixed' as const, delayMs: 5 } };
    expect(resolveRetryPolicy({ maxAttempts: 2 }, base)).toEqual({ maxAttempts: 2, backoff: base.backoff });
  });

  it.each([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
    [{ backoff: { type: 'list' as const, delaysMs: [] } }, /delaysMs/],
    [{ backoff: { type: 'fixed' as const, delayMs: -1 } }, /delayMs/],
    [{ backoff: { type: 'exponential' as const, delayMs: 10, maxDelayMs: 5, jitter: false } }, /maxDelayMs/],
  ])('rejects %j naming the field', (opts, msg) => {
    expect(() => resolveRetryPolicy(opts)).toThrow(msg);
  });
});
