import { describe, expect, it } from 'vitest';
import { heldSpec, mayHold, microTime, releasedSpec, type LeaseSpec } from './lease-record.ts';

const now = new Date('2025-03-01T12:00:00.123Z');

describe('lease record', () => {
  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(now)).toBe('2025-03-01T12:00:00.123000Z');
  });

  it.each<[string, LeaseSpec | undefined, number, boolean]>([
    ['a lease never held', undefined, 0, true],
    ['a released lease', { leaseDurationSeconds: 1 }, 10_000, true],
    ['its own lease', { holderIdentity: 'me', leaseDurationSeconds: 15 }, 10_000, true],
    ['a live lease of another', { holderIdentity: 'other', leaseDurationSeconds: 15 }, 10_000 - 14_999, false],
    ['an expired lease of another', { holderIdentity: 'other', leaseDurationSeconds: 15 }, 10_000 - 15_000, true],
  ])('may hold %s: %s', (_name, spec, observedAt, expected) => {
    expect(mayHold(spec, 'me', observedAt, 10_000)).toBe(expected);
  });

  it('counts a transition when the holder changes and keeps acquireTime on renewal', () => {
    const taken = heldSpec({ holderIdentity: 'other', leaseTransitions: 4, leaseDurationSeconds: 15 }, 'me', 15_000, now);
    expect(taken).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2025-03-01T12:00:00.123000Z',
      renewTime: '2025-03-01T12:00:00.123000Z',
      leaseTransitions: 5,
    });
    const later = new Date(now.getTime() + 2000);
    const renewed = heldSpec(taken, 'me', 15_000, later);
    expect(renewed.acquireTime).toBe(taken.acquireTime);
    expect(renewed.renewTime).toBe('2025-03-01T12:00:02.123000Z');
    expect(renewed.leaseTransitions).toBe(5);
    expect(heldSpec(undefined, 'me', 15_000, now).leaseTransitions).toBe(0);
  });

  it('releases by clearing the holder, keeping the transition count', () => {
    const released = releasedSpec({ holderIdentity: 'me', leaseTransitions: 3, leaseDurationSeconds: 15 }, now);
    expect(released.holderIdentity).toBeUndefined();
    expect(released.leaseTransitions).toBe(3);
    expect(mayHold(released, 'other', now.getTime(), now.getTime())).toBe(true);
  });
});
