import { describe, expect, it } from 'vitest';
import { taskQueue } from '../test-fixtures.ts';
import { desiredRateLimits, rateLimitChanges } from './rate-limits.ts';

describe('desiredRateLimits', () => {
  it('converts periods and keeps the queue-wide limit taskless', () => {
    const tq = taskQueue('q', { rateLimits: [{ limit: 100, period: '1s' }, { task: 'email.send', limit: 5, period: '1m' }] });
    expect(desiredRateLimits(tq)).toEqual([
      { limit: 100, periodMs: 1000 },
      { task: 'email.send', limit: 5, periodMs: 60_000 },
    ]);
  });
});

describe('rateLimitChanges', () => {
  it.each([
    ['writes a missing limit', [{ limit: 10, periodMs: 1000 }], [], 1, 0],
    ['leaves an equal operator limit alone', [{ limit: 10, periodMs: 1000 }], [{ limit: 10, periodMs: 1000, source: 'operator' as const }], 0, 0],
    ['rewrites a changed limit', [{ limit: 10, periodMs: 1000 }], [{ limit: 20, periodMs: 1000, source: 'operator' as const }], 1, 0],
    ['takes over an API limit on a key the spec names', [{ task: 't', limit: 10, periodMs: 1000 }], [{ task: 't', limit: 10, periodMs: 1000, source: 'api' as const }], 1, 0],
    ['removes an operator limit the spec dropped', [], [{ task: 't', limit: 10, periodMs: 1000, source: 'operator' as const }], 0, 1],
    ['keeps an API limit the spec does not name', [], [{ task: 't', limit: 10, periodMs: 1000, source: 'api' as const }], 0, 0],
  ])('%s', (_what, desired, stored, puts, removes) => {
    const c = rateLimitChanges(desired, stored);
    expect(c.put).toHaveLength(puts);
    expect(c.remove).toHaveLength(removes);
  });
});
