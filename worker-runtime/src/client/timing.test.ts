import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { assertSchedulableId, resolveTiming, setTimingHeaders } from './timing.ts';

const now = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('resolveTiming', () => {
  it('turns a delay or a future runAt into a run time', () => {
    expect(resolveTiming({ delay: 1500 }, now)).toEqual({ runAt: now + 1500 });
    expect(resolveTiming({ runAt: new Date(now + 60_000) }, now)).toEqual({ runAt: now + 60_000 });
    expect(resolveTiming({ runAt: now + 5 }, now)).toEqual({ runAt: now + 5 });
  });
  it('runs a zero delay or a past runAt now', () => {
    expect(resolveTiming({ delay: 0 }, now)).toEqual({});
    expect(resolveTiming({ runAt: now - 1 }, now)).toEqual({});
    expect(resolveTiming({ runAt: now }, now)).toEqual({});
  });
  it('counts ttl from enqueue, also for a delayed task', () => {
    expect(resolveTiming({ ttl: 10_000 }, now)).toEqual({ expiresAt: now + 10_000 });
    expect(resolveTiming({ delay: 1000, ttl: 10_000 }, now)).toEqual({ runAt: now + 1000, expiresAt: now + 10_000 });
    expect(resolveTiming({ expiresAt: new Date(now + 3000) }, now)).toEqual({ expiresAt: now + 3000 });
  });
  it('refuses conflicting, negative or non-finite options, naming them', () => {
    expect(() => resolveTiming({ delay: 1, runAt: now }, now)).toThrow(/either delay or runAt/);
    expect(() => resolveTiming({ ttl: 1, expiresAt: now }, now)).toThrow(/either ttl or expiresAt/);
    expect(() => resolveTiming({ delay: -5 }, now)).toThrow(/delay must not be negative/);
    expect(() => resolveTiming({ ttl: 0 }, now)).toThrow(/ttl must be positive/);
    expect(() => resolveTiming({ runAt: new Date('nope') }, now)).toThrow(/runAt must be a finite/);
    expect(() => resolveTiming({ delay: Number.NaN }, now)).toThrow(/delay must be a finite/);
  });
  it('refuses a task that would expire before it runs', () => {
    expect(() => resolveTiming({ delay: 5000, ttl: 5000 }, now)).toThrow(/would expire .* before it runs/);
  });
});

describe('setTimingHeaders', () => {
  it('sets the schedule headers only for a delayed task', () => {
    const h = headers();
    setTimingHeaders(h, { expiresAt: now + 1 }, 'celeriac.q.tasks.t');
    expect(h.get('Nats-Schedule')).toBe('');
    expect(h.get('Celeriac-Expires-At')).toBe(String(now + 1));
    const d = headers();
    setTimingHeaders(d, { runAt: now + 1500 }, 'celeriac.q.tasks.t');
    expect(d.get('Nats-Schedule')).toBe('@at 2026-11-30T12:00:01.500Z');
    expect(d.get('Nats-Schedule-Target')).toBe('celeriac.q.tasks.t');
    expect(d.get('Celeriac-Run-At')).toBe(String(now + 1500));
  });
});

describe('assertSchedulableId', () => {
  it('accepts ids that make subject tokens and refuses empty parts', () => {
    expect(() => assertSchedulableId('k-abc_DEF=/1.2')).not.toThrow();
    for (const bad of ['.a', 'a.', 'a..b']) expect(() => assertSchedulableId(bad), bad).toThrow(/no empty/);
  });
});
