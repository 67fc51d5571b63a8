import { describe, expect, it } from 'vitest';
import { exponentialDelay, KeyedBackoff } from './backoff.ts';

const policy = { baseMs: 5, maxMs: 300_000 };

describe('exponentialDelay', () => {
  it.each([
    [0, 5],
    [1, 10],
    [2, 20],
    [10, 5120],
    [16, 300_000],
    [2000, 300_000],
  ])('after %i failures waits %i ms', (failures, expected) => {
    expect(exponentialDelay(failures, policy)).toBe(expected);
  });
});

describe('KeyedBackoff', () => {
  it('doubles per key independently and restarts after forget', () => {
    const b = new KeyedBackoff(policy);
    expect([b.next('a'), b.next('a'), b.next('a')]).toEqual([5, 10, 20]);
    expect(b.next('b')).toBe(5);
    expect(b.failures('a')).toBe(3);
    b.forget('a');
    expect(b.failures('a')).toBe(0);
    expect(b.next('a')).toBe(5);
  });
});
