import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLater } from '../errors.ts';
import { deadState, decideFailure } from './failure-decision.ts';

const policy = { maxAttempts: 3, backoff: { type: 'fixed' as const, delayMs: 100 } };

describe('decideFailure', () => {
  it('retries with the backoff delay while attempts remain', () => {
    expect(decideFailure(new Error('x'), 1, policy)).toMatchObject({ kind: 'retry', delayMs: 100 });
  });
  it('dead-letters at the last attempt', () => {
    expect(decideFailure(new Error('x'), 3, policy)).toMatchObject({ kind: 'dead', reason: 'max-attempts' });
  });
  it('skips retries on a permanent error', () => {
    expect(decideFailure(new PermanentError('no'), 1, policy)).toMatchObject({ kind: 'dead', reason: 'permanent-error' });
  });
  it('uses the delay a RetryLater names', () => {
    expect(decideFailure(new RetryLater(7000), 1, policy)).toMatchObject({ kind: 'retry', delayMs: 7000 });
  });
  it('describes non-Error throws', () => {
    expect(decideFailure({ code: 42 }, 1, policy).error.message).toContain('{"code":42}');
    expect(decideFailure(undefined, 1, policy).error.message).toContain('undefined');
  });
  it('maps reasons to failed (handler ran) or dead (never could)', () => {
    expect(deadState('max-attempts')).toBe('failed');
    expect(deadState('permanent-error')).toBe('failed');
    expect(deadState('malformed')).toBe('dead');
    expect(deadState('unknown-task')).toBe('dead');
  });
});
