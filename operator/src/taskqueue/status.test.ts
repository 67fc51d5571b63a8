import { describe, expect, it } from 'vitest';
import { InvalidNatsUrl } from '../nats/errors.ts';
import { taskQueue } from '../test-fixtures.ts';
import { desiredTaskQueueStatus } from './status.ts';

const now = new Date('2026-11-25T12:00:00Z');
const synced = { created: [], updated: [], deleted: [], unchangeable: [] };

describe('desiredTaskQueueStatus', () => {
  it('is Ready with backlog numbers and the generation it describes', () => {
    const s = desiredTaskQueueStatus(taskQueue('emails'), 'emails', { kind: 'synced', report: synced, state: { pending: 3, ackPending: 2, deadLetters: 1, lastSeq: 9 } }, now);
    expect(s).toMatchObject({ observedGeneration: 1, queueName: 'emails', stream: 'CELERIAC_EMAILS', backlog: 5, pending: 3, ackPending: 2, deadLetters: 1 });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'QueueReady', lastTransitionTime: '2026-11-25T12:00:00Z' });
  });

  it('reports unchangeable fields without losing readiness', () => {
    const report = { ...synced, unchangeable: [{ object: 'stream/CELERIAC_EMAILS', field: 'storage', want: 'memory', have: 'file' }] };
    const s = desiredTaskQueueStatus(taskQueue('emails'), 'emails', { kind: 'synced', report, state: { pending: 0, ackPending: 0, deadLetters: 0, lastSeq: 0 } }, now);
    const applied = s.conditions?.find((c) => c.type === 'SpecApplied');
    expect(applied).toMatchObject({ status: 'False', reason: 'FieldsNotUpdatable' });
    expect(applied?.message).toContain('stream/CELERIAC_EMAILS.storage');
  });

  it('keeps the last backlog numbers and the transition time semantics while NATS is down', () => {
    const tq = taskQueue('emails');
    const up = desiredTaskQueueStatus(tq, 'emails', { kind: 'synced', report: synced, state: { pending: 7, ackPending: 0, deadLetters: 0, lastSeq: 7 } }, now);
    const later = new Date(now.getTime() + 60_000);
    const down = desiredTaskQueueStatus({ ...tq, status: up }, 'emails', { kind: 'nats-unavailable', message: 'connection refused' }, later);
    expect(down.backlog).toBe(7);
    expect(down.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NatsUnavailable', lastTransitionTime: '2026-11-25T12:01:00Z' });
  });

  it('names the source of a bad NATS url in Ready and StreamReady', () => {
    const error = new InvalidNatsUrl('secret', 'secret my-nats key url', 'the url must not carry credentials');
    const s = desiredTaskQueueStatus(taskQueue('emails'), 'emails', { kind: 'invalid-nats-url', error }, now);
    const message = 'secret my-nats key url: the url must not carry credentials';
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidNatsUrl', message });
    expect(s.conditions?.find((c) => c.type === 'StreamReady')).toMatchObject({ status: 'Unknown', reason: 'InvalidNatsUrl', message });
  });

  it('shows whether the queue is paused, and keeps the last known answer while NATS is down', () => {
    const tq = taskQueue('emails');
    const state = { pending: 4, ackPending: 0, deadLetters: 0, lastSeq: 4 };
    const paused = desiredTaskQueueStatus(tq, 'emails', { kind: 'synced', report: synced, state: { ...state, paused: true } }, now);
    expect(paused.paused).toBe(true);
    const down = desiredTaskQueueStatus({ ...tq, status: paused }, 'emails', { kind: 'nats-unavailable', message: 'connection refused' }, now);
    expect(down.paused).toBe(true);
    expect(desiredTaskQueueStatus(tq, 'emails', { kind: 'synced', report: synced, state }, now).paused).toBe(false);
  });
});
