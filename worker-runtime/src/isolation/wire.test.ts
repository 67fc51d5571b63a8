import { describe, expect, it } from 'vitest';
import { PermanentError, PayloadValidationError, RetryLater } from '../errors.ts';
import { decideFailure } from '../worker/failure-decision.ts';
import { DEFAULT_RETRY_POLICY } from '../retry.ts';
import { fromWireError, toWireError } from './wire.ts';

// What a handler throws in a thread or child crosses as data (structured clone keeps no class and
// no fields); the worker's decision must come out the same as for an in-process handler.
const roundTrip = (err: unknown) => fromWireError(structuredClone(toWireError(err)));

describe('errors from isolated handlers', () => {
  it.each([
    ['a PermanentError', new PermanentError('no'), { kind: 'dead', reason: 'permanent-error' }],
    ['a subclass of PermanentError', new PayloadValidationError('t', ['bad']), { kind: 'dead', reason: 'permanent-error' }],
    ['a RetryLater', new RetryLater(1_234), { kind: 'retry', delayMs: 1_234 }],
    ['a plain error', new TypeError('oops'), { kind: 'retry' }],
  ])('keeps the decision of %s', (_, err, decision) => {
    const policy = { ...DEFAULT_RETRY_POLICY, backoff: { type: 'fixed' as const, delayMs: 7 } };
    expect(decideFailure(roundTrip(err), 1, policy)).toMatchObject(decision);
  });

  it('keeps the name, message and stack the result record shows', () => {
    const err = new TypeError('oops');
    const back = roundTrip(err);
    expect({ name: back.name, message: back.message, stack: back.stack }).toEqual({ name: 'TypeError', message: 'oops', stack: err.stack });
    expect(roundTrip(new PayloadValidationError('t', ['bad'])).name).toBe('PermanentError');
  });

  it('turns a thrown non-Error into a message', () => {
    expect(roundTrip('plain string')).toMatchObject({ name: 'Error', message: 'non-Error thrown: plain string' });
    expect(roundTrip({ code: 7 })).toMatchObject({ name: 'Error', message: 'non-Error thrown: {"code":7}' });
  });
});
