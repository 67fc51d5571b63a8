import { describe, expect, it } from 'vitest';
import { InvalidRateLimit, parseRateLimit, rateLimitKey, scopeOfKey, tokensGranted, windowAt } from './limit.ts';

describe('parseRateLimit', () => {
  it.each([
    [{ perSecond: 100 }, { limit: 100, periodMs: 1000 }],
    [{ limit: 5, periodMs: 60_000 }, { limit: 5, periodMs: 60_000 }],
    [{ limit: 7 }, { limit: 7, periodMs: 1000 }],
  ])('reads %j', (spec, want) => {
    expect(parseRateLimit(spec)).toEqual(want);
  });

  it.each([
    [null, 'rateLimit'],
    [{}, 'rateLimit'],
    [{ perSecond: 1, limit: 1 }, 'rateLimit'],
    [{ perSecond: 0 }, 'rateLimit.perSecond'],
    [{ limit: 1.5 }, 'rateLimit.limit'],
    [{ limit: '10' }, 'rateLimit.limit'],
    [{ perSecond: 1, periodMs: 1000 }, 'rateLimit.periodMs'],
    [{ limit: 1, periodMs: 10 }, 'rateLimit.periodMs'],
    [{ limit: 1, periodMs: 2 * 60 * 60_000 }, 'rateLimit.periodMs'],
  ])('refuses %j naming %s', (spec, field) => {
    let err: unknown;
    try {
      parseRateLimit(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRateLimit);
    expect((err as InvalidRateLimit).field).toBe(field);
    expect((err as Error).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  });
});

describe('limit keys', () => {
  it('round-trips the queue and task scopes', () => {
    expect(rateLimitKey()).toBe('queue');
    expect(rateLimitKey({ task: 'email.send' })).toBe('task.email.send');
    expect(scopeOfKey('queue')).toEqual({});
    expect(scopeOfKey('task.email.send')).toEqual({ task: 'email.send' });
    expect(scopeOfKey('other')).toBeUndefined();
  });

  it('refuses a task name no subject can carry', () => {
    expect(() => rateLimitKey({ task: 'a b' })).toThrow(InvalidRateLimit);
  });
});

describe('windows and grants', () => {
  it('cuts time into epoch-aligned windows', () => {
    expect(windowAt(12_345, 1000)).toEqual({ index: 12, endsAt: 13_000 });
    expect(windowAt(13_000, 1000)).toEqual({ index: 13, endsAt: 14_000 });
  });

  it.each([
    // value after the increment, asked, limit -> granted
    [5, 5, 10, 5],
    [10, 5, 10, 5],
    [12, 5, 10, 3],
    [15, 5, 10, 0],
    [40, 5, 10, 0],
    [1, 1, 1, 1],
  ])('a counter at %i after +%i under limit %i grants %i', (value, asked, limit, want) => {
    expect(tokensGranted(value, asked, limit)).toBe(want);
  });
});
