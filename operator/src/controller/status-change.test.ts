import { describe, expect, it } from 'vitest';
import { statusChanged } from './status-change.ts';

const ready = (status: string, at = '2026-01-01T00:00:00Z') => ({ type: 'Ready', status, reason: 'R', message: 'm', lastTransitionTime: at, observedGeneration: 1 });

describe('statusChanged', () => {
  it('is false when every field we send is already shown, whatever else the status holds', () => {
    const observed = { observedGeneration: 1, backlog: 3, conditions: [ready('True')], lastScale: { from: 1, to: 2 } };
    expect(statusChanged(observed, { backlog: 3, observedGeneration: 1, conditions: [ready('True')] })).toBe(false);
  });

  it('ignores lastTransitionTime and the order of conditions and keys', () => {
    const other = { type: 'StreamReady', status: 'True', reason: 'S', message: 'x', lastTransitionTime: 'a' };
    const observed = { conditions: [other, ready('True', '2026-01-01T00:00:00Z')], nested: { a: 1, b: [1, 2] } };
    expect(statusChanged(observed, { nested: { b: [1, 2], a: 1 }, conditions: [ready('True', 'later'), { ...other, lastTransitionTime: 'b' }] })).toBe(false);
  });

  it('is true when a number, a nested field, a condition or the set of conditions changes', () => {
    const observed = { backlog: 3, nested: { a: 1 }, conditions: [ready('True')] };
    expect(statusChanged(observed, { backlog: 4 })).toBe(true);
    expect(statusChanged(observed, { nested: { a: 1, b: 2 } })).toBe(true);
    expect(statusChanged(observed, { conditions: [ready('False')] })).toBe(true);
    expect(statusChanged(observed, { conditions: [{ ...ready('True'), message: 'other' }] })).toBe(true);
    expect(statusChanged(observed, { conditions: [ready('True'), { ...ready('True'), type: 'Other' }] })).toBe(true);
  });

  it('is true for an object without status yet, false for an empty write', () => {
    expect(statusChanged(undefined, { backlog: 0 })).toBe(true);
    expect(statusChanged(undefined, {})).toBe(false);
  });
});
