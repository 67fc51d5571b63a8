import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { desiredConsumer, desiredTaskStream } from './desired.ts';
import { defaultQueueSettings } from './settings.ts';

describe('desiredConsumer', () => {
  it('bounds deliveries on the server, by default above any task’s attempts', () => {
    expect(desiredConsumer(defaultQueueSettings('q')).max_deliver).toBe(DEFAULTS.maxDeliveries);
    expect(DEFAULTS.maxDeliveries).toBeGreaterThan(DEFAULTS.maxAttempts);
    expect(desiredConsumer(defaultQueueSettings('q', { maxDeliveries: 7 })).max_deliver).toBe(7);
  });
});

describe('desiredTaskStream', () => {
  it('holds schedules unless a count or size limit must refuse new tasks (the server forbids both)', () => {
    const open = desiredTaskStream(defaultQueueSettings('q'));
    expect(open).toMatchObject({ allow_msg_schedules: true, allow_msg_ttl: true, discard: 'old' });
    expect(open.subjects).toEqual(['celeriac.q.tasks.>', 'celeriac.q.sched.>']);
    const refusing = desiredTaskStream(defaultQueueSettings('q', { maxMessages: 10, discard: 'new' }));
    expect(refusing.allow_msg_schedules).toBeUndefined();
    expect(refusing.discard).toBe('new');
    expect(desiredTaskStream(defaultQueueSettings('q', { maxBytes: 1024, discard: 'old' })).allow_msg_schedules).toBe(true);
  });
});
