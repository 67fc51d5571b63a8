import { describe, expect, it } from 'vitest';
import { laneLayoutOf } from '../lanes/layout.ts';
import { desiredConsumer, desiredTaskStream } from './desired.ts';
import { desiredLaneConsumers, laneStreamSubjects } from './desired-lanes.ts';
import { defaultQueueSettings } from './settings.ts';

describe('desired lanes', () => {
  it('adds nothing to a queue without lanes but the metadata saying so', () => {
    const s = defaultQueueSettings('q');
    expect(laneStreamSubjects(s)).toEqual([]);
    expect(desiredLaneConsumers(s, desiredConsumer(s))).toEqual([]);
    expect(desiredTaskStream(s).metadata).toEqual({ 'celeriac.lanes': 'none' });
  });

  it('binds each lane but 0/0 (the plain task subject), per listed task, with a consumer each', () => {
    const s = defaultQueueSettings('q', { tasks: ['a', 'b.c'], lanes: laneLayoutOf(2, 2, 20) });
    expect(laneStreamSubjects(s)).toEqual([
      'celeriac.q.lanes.1.0.a',
      'celeriac.q.lanes.1.0.b.c',
      'celeriac.q.lanes.1.1.a',
      'celeriac.q.lanes.1.1.b.c',
      'celeriac.q.lanes.0.1.a',
      'celeriac.q.lanes.0.1.b.c',
    ]);
    expect(laneStreamSubjects({ ...s, tasks: [] })).toEqual(['celeriac.q.lanes.1.0.>', 'celeriac.q.lanes.1.1.>', 'celeriac.q.lanes.0.1.>']);
    const consumers = desiredLaneConsumers(s, desiredConsumer(s));
    expect(consumers.map((c) => [c.durable_name, c.filter_subject])).toEqual([
      ['lane-1-0', 'celeriac.q.lanes.1.0.>'],
      ['lane-1-1', 'celeriac.q.lanes.1.1.>'],
      ['lane-0-1', 'celeriac.q.lanes.0.1.>'],
    ]);
    // Every lane's consumer has the queue's settings (ack wait, deliveries, in-flight bound).
    expect(consumers[0]).toMatchObject({ ack_wait: desiredConsumer(s).ack_wait, max_deliver: s.maxDeliveries, max_ack_pending: s.maxInFlight });
    expect(desiredTaskStream(s).metadata).toEqual({ 'celeriac.lanes': 'levels=2,buckets=2,lowShare=20' });
  });
});
