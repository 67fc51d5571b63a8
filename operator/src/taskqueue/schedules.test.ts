import { describe, expect, it } from 'vitest';
import { desiredSchedules, nextFireTime, planSchedules } from './schedules.ts';

const every = (name: string, dur: string, extra: Record<string, unknown> = {}) => ({ name, task: 'report', every: dur, suspend: false, ...extra });

describe('desiredSchedules', () => {
  it('makes one schedule message per unsuspended schedule, keyed periodic.<name>', () => {
    const [a, b] = desiredSchedules('q', [
      every('a', '2s', { payload: { x: 1 }, expires: '1m' }),
      { name: 'b', task: 'report', cron: '30 9 * * MON-FRI', timeZone: 'Europe/Berlin', suspend: false },
      every('off', '1s', { suspend: true }),
    ]);
    expect(a).toMatchObject({
      key: 'periodic.a',
      subject: 'celeriac.q.sched.periodic.a',
      body: '{"x":1}',
      headers: { 'Nats-Schedule': '@every 2s', 'Nats-Schedule-Target': 'celeriac.q.tasks.report', 'Celeriac-Schedule': 'periodic.a', 'Nats-Schedule-TTL': '1m' },
    });
    expect(a!.headers['Celeriac-Id']).toBeUndefined(); // every tick would carry it
    // 5 standard fields become the server's 6 (second 0).
    expect(b!.headers).toMatchObject({ 'Nats-Schedule': '0 30 9 * * MON-FRI', 'Nats-Schedule-Time-Zone': 'Europe/Berlin' });
    expect(b!.body).toBe('null');
  });
});

describe('planSchedules', () => {
  const stored = (name: string, dur: string) => ({ ...desiredSchedules('q', [every(name, dur)])[0]!, headers: { ...desiredSchedules('q', [every(name, dur)])[0]!.headers, 'Nats-Rollup': 'sub' } });

  it('leaves an unchanged schedule alone (republishing restarts its interval), replaces a changed one, removes the rest', () => {
    const plan = planSchedules(desiredSchedules('q', [every('same', '2s'), every('changed', '5s'), every('new', '1s')]), [
      stored('same', '2s'),
      stored('changed', '2s'),
      stored('gone', '2s'),
    ]);
    expect(plan.put.map((m) => m.key)).toEqual(['periodic.changed', 'periodic.new']);
    expect(plan.remove).toEqual(['periodic.gone']);
  });

  it('sees a payload change', () => {
    const plan = planSchedules(desiredSchedules('q', [every('a', '2s', { payload: 2 })]), [
      { ...stored('a', '2s'), body: '1' },
    ]);
    expect(plan.put).toHaveLength(1);
  });
});

describe('nextFireTime', () => {
  it('reads 5-field cron in its zone and counts every from the stored message', () => {
    const now = new Date('2026-01-05T07:00:00Z'); // a Monday, 08:00 in Berlin
    expect(nextFireTime({ name: 'b', task: 't', cron: '30 9 * * MON-FRI', timeZone: 'Europe/Berlin', suspend: false }, now, now)?.toISOString()).toBe('2026-01-05T08:30:00.000Z');
    expect(nextFireTime(every('a', '1m'), new Date('2026-01-05T06:59:30Z'), now)?.toISOString()).toBe('2026-01-05T07:00:30.000Z');
  });
});
