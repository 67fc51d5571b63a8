import { describe, expect, it } from 'vitest';
import { findCondition, isConditionTrue, metaTime, setCondition, type Condition } from './conditions.ts';

const t0 = new Date('2025-01-01T10:00:00.250Z');
const t1 = new Date('2025-01-01T10:05:00.999Z');
const ready = { type: 'Ready', status: 'True', reason: 'StreamReady', message: 'stream exists' } as const;

describe('setCondition', () => {
  it('appends a new condition stamped with now and the generation', () => {
    const out = setCondition(undefined, ready, 3, t0);
    expect(out).toEqual([{ ...ready, lastTransitionTime: '2025-01-01T10:00:00Z', observedGeneration: 3 }]);
  });

  it('keeps lastTransitionTime when the status stays, even if reason or message change', () => {
    const before = setCondition(undefined, ready, 1, t0);
    const after = setCondition(before, { ...ready, reason: 'StreamUpdated', message: 'stream updated' }, 2, t1);
    expect(after[0]).toMatchObject({ reason: 'StreamUpdated', observedGeneration: 2, lastTransitionTime: '2025-01-01T10:00:00Z' });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const before = setCondition(undefined, ready, 1, t0);
    const after = setCondition(before, { ...ready, status: 'False', reason: 'NatsUnavailable', message: 'no connection' }, 1, t1);
    expect(after[0]!.lastTransitionTime).toBe('2025-01-01T10:05:00Z');
    expect(after[0]!.status).toBe('False');
  });

  it('replaces in place, leaves other types and the input untouched', () => {
    const other: Condition = { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: 'x' };
    const before = [other, ...setCondition(undefined, ready, 1, t0)];
    const frozen = structuredClone(before);
    const after = setCondition(before, { ...ready, status: 'Unknown' }, undefined, t1);
    expect(before).toEqual(frozen);
    expect(after.map((c) => c.type)).toEqual(['Degraded', 'Ready']);
    expect(after[0]).toBe(other);
    expect(after[1]!.observedGeneration).toBeUndefined();
  });

  it('finds conditions and reads their truth', () => {
    const list = setCondition(undefined, ready, 1, t0);
    expect(findCondition(list, 'Ready')?.reason).toBe('StreamReady');
    expect(isConditionTrue(list, 'Ready')).toBe(true);
    expect(isConditionTrue(list, 'Missing')).toBe(false);
    expect(metaTime(t1)).toBe('2025-01-01T10:05:00Z');
  });
});
