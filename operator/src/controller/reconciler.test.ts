import { describe, expect, it } from 'vitest';
import { InvalidSpec, outcomeOf, RetryLater, TransientError } from './reconciler.ts';

describe('outcomeOf', () => {
  it('maps results and errors to the next step for the key', () => {
    expect(outcomeOf({ result: {} })).toEqual({ kind: 'done' });
    expect(outcomeOf({ result: { requeueAfter: 0 } })).toEqual({ kind: 'done' });
    expect(outcomeOf({ result: { requeueAfter: 30_000 } })).toEqual({ kind: 'requeue-after', delayMs: 30_000 });
    expect(outcomeOf({ error: new RetryLater(5000, 'nats unreachable') })).toEqual({
      kind: 'retry-later',
      delayMs: 5000,
      reason: 'nats unreachable',
    });
    expect(outcomeOf({ error: new InvalidSpec('spec.replicas', 'must be >= 1') })).toEqual({
      kind: 'invalid-spec',
      field: 'spec.replicas',
      reason: 'must be >= 1',
    });
    const transient = new TransientError('conflict');
    expect(outcomeOf({ error: transient })).toEqual({ kind: 'backoff', error: transient });
    expect(outcomeOf({ error: 'a string' })).toEqual({ kind: 'backoff', error: 'a string' });
  });

  it('names the field in an InvalidSpec message', () => {
    expect(new InvalidSpec('spec.retention', 'unknown value "x"').message).toBe('spec.retention: unknown value "x"');
  });
});
