import { describe, expect, it } from 'vitest';
import { CronError, nextCronFire, nextEveryFire, parseCron } from './next-fire.ts';

const fires = (expr: string, zone: string, from: string, n: number): string[] => {
  const c = parseCron(expr);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    t = nextCronFire(c, zone, t)!;
    out.push(new Date(t).toISOString());
  }
  return out;
};

describe('nextCronFire', () => {
  it('reads 6 fields with seconds, names, ranges and steps', () => {
    expect(fires('*/20 * * * * *', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z',
    ]);
    // 2026-01-02 is a Friday.
    expect(fires('0 30 9 * * MON-FRI', 'UTC', '2026-01-02T10:00:00Z', 2)).toEqual(['2026-01-05T09:30:00.000Z', '2026-01-06T09:30:00.000Z']);
    expect(fires('@monthly', 'UTC', '2026-01-15T00:00:00Z', 2)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  });

  it('reads the wall clock of the zone', () => {
    expect(fires('0 0 9 * * *', 'Europe/Berlin', '2026-01-10T00:00:00Z', 1)).toEqual(['2026-01-10T08:00:00.000Z']);
    expect(fires('0 0 9 * * *', 'Europe/Berlin', '2026-07-10T00:00:00Z', 1)).toEqual(['2026-07-10T07:00:00.000Z']);
  });

  it('skips a time inside the hour lost at spring-forward (Europe/Berlin 2026-03-29)', () => {
    // 02:30 does not exist that day: the next 02:30 is on the 30th (CEST, UTC+2).
    expect(fires('0 30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    // The midnight after the 23-hour day is not overshot.
    expect(fires('0 0 0 30 * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T22:00:00.000Z']);
  });

  it('fires twice for a time inside the hour repeated at fall-back (Europe/Berlin 2026-10-25)', () => {
    // 02:30 CEST (00:30Z), then 02:30 CET (01:30Z), then the next day.
    expect(fires('0 30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z',
    ]);
    // An hourly schedule fires every real hour: 25 times that day.
    const day = fires('@hourly', 'Europe/Berlin', '2026-10-24T21:59:59Z', 26);
    expect(day.filter((t) => t < '2026-10-25T23:00:00.000Z')).toHaveLength(25);
  });

  it('refuses what the server refuses', () => {
    expect(() => parseCron('*/2 * * * *')).toThrow(CronError);
    expect(() => parseCron('0 0 25 * * *')).toThrow(/outside 0-23/);
    expect(() => parseCron('0 0 0 * * Funday')).toThrow(/not a number/);
  });
});

describe('nextEveryFire', () => {
  it('counts from the schedule message rounded to the second, first step past now', () => {
    const stored = Date.parse('2026-01-01T00:00:38.300Z');
    expect(new Date(nextEveryFire(3000, stored, stored + 10)).toISOString()).toBe('2026-01-01T00:00:41.000Z');
    expect(new Date(nextEveryFire(3000, stored, Date.parse('2026-01-01T00:00:41.000Z'))).toISOString()).toBe('2026-01-01T00:00:44.000Z');
  });
});
