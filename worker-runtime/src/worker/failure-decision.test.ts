import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLater } from '../errors.ts';
import { deadState, decideFailure } from './failure-decision.ts';

// The brands a second copy of the package defines: Symbol.for gives every copy the same symbol.
const PERMANENT = Symbol.for('celeriac.error.permanent');
const RETRY_LATER = Symbol.for('celeriac.error.retry-later');
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
  it('skips retries on a permanent error from another copy of the package (brand, or name alone)', () => {
    // What a second copy's class looks like from here: same brand symbol, same name, another class.
    class PermanentError extends Error {
      override readonly name = 'PermanentError';
      readonly [PERMANENT] = true;
    }
    class BadInput extends PermanentError {}
    expect(decideFailure(new PermanentError('no'), 1, policy)).toMatchObject({ kind: 'dead', reason: 'permanent-error' });
    expect(decideFailure(new BadInput('no'), 1, policy)).toMatchObject({ kind: 'dead', reason: 'permanent-error' });
    // A copy older than the brand: the name alone.
    expect(decideFailure(Object.assign(new Error('no'), { name: 'PermanentError' }), 1, policy)).toMatchObject({ kind: 'dead' });
  });
  it('uses the delay a RetryLater from another copy of the package names', () => {
    class RetryLater extends Error {
      override readonly name = 'RetryLater';
      readonly [RETRY_LATER] = true;
      readonly delayMs: number;
      constructor(delayMs: number) {
        super('later');
        this.delayMs = delayMs;
      }
    }
    expect(decideFailure(new RetryLater(7000), 1, policy)).toMatchObject({ kind: 'retry', delayMs: 7000 });
    // A branded error without a usable delay falls back to the backoff.
    expect(decideFailure(Object.assign(new Error('x'), { name: 'RetryLater', delayMs: 'soon' }), 1, policy)).toMatchObject({ delayMs: 100 });
  });
  it('treats an error that only looks alike (another name, no brand) as an ordinary failure', () => {
    expect(decideFailure(Object.assign(new Error('no'), { permanent: true }), 1, policy)).toMatchObject({ kind: 'retry' });
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
    expect(deadState('max-deliveries')).toBe('dead');
  });
});
