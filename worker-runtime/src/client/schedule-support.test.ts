import { describe, expect, it } from 'vitest';
import { whyNotSchedulable } from './schedule-support.ts';

const ready = { subjects: ['celeriac.q.tasks.>', 'celeriac.q.sched.>'], allow_msg_schedules: true, discard: 'old', max_msgs: -1, max_bytes: -1 };

describe('whyNotSchedulable', () => {
  it('accepts a 2.12+ server with a schedule-capable stream, or one it may not read', () => {
    expect(whyNotSchedulable('q', '2.12.0', ready)).toBeUndefined();
    expect(whyNotSchedulable('q', '2.14.10', undefined)).toBeUndefined();
  });
  it('names the server version and the release delays need on an older server', () => {
    expect(whyNotSchedulable('q', '2.11.7', ready)).toBe('nats-server 2.11.7; delays need 2.12+');
    expect(whyNotSchedulable('q', undefined, ready)).toBe('nats-server (unknown version); delays need 2.12+');
  });
  it('names a count limit with discard new as the reason the stream has schedules off', () => {
    const limited = { ...ready, allow_msg_schedules: false, discard: 'new', max_msgs: 1000 };
    expect(whyNotSchedulable('q', '2.14.10', limited)).toMatch(/count or size limit with discard new/);
    expect(whyNotSchedulable('q', '2.14.10', { ...ready, allow_msg_schedules: undefined })).toMatch(/allow_msg_schedules is off/);
  });
  it('notices a stream without the schedule subjects', () => {
    expect(whyNotSchedulable('q', '2.14.10', { ...ready, subjects: ['celeriac.q.tasks.>'] })).toMatch(/celeriac\.q\.sched\.>/);
  });
});
