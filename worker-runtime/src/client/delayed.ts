import type { MsgHdrs } from '@nats-io/nats-core';
import { scheduleSubject, type ResultRecord } from '../protocol.ts';
import type { ResultStore } from '../results.ts';
import type { AckingPublisher, PublishAck } from './publisher.ts';
import type { ScheduleSupport } from './schedule-support.ts';

/** One delayed task, its headers already carrying the schedule (client/timing.ts). */
export interface DelayedTask {
  queue: string;
  task: string;
  id: string;
  data: Uint8Array;
  hdrs: MsgHdrs;
  enqueuedAt: number;
  runAt: number;
  expiresAt: number | undefined;
}

/**
 * Publishes a delayed task as a one-shot server-side schedule on `celeriac.<queue>.sched.<id>`:
 * a stream message, so it survives restarts, and nothing of it lives in a worker until it fires.
 *
 * The `scheduled` record is created first, and only if the id has none: written after the
 * publish it could land after a task due in a few ms had already finished, and a duplicate
 * enqueue must not turn a finished task's record back into `scheduled`. If the publish then
 * fails, the record is removed again (best effort), so no record promises a task that was never
 * scheduled.
 */
export async function publishDelayed(t: DelayedTask, publisher: AckingPublisher, support: ScheduleSupport, store: ResultStore): Promise<PublishAck> {
  await support.check(t.queue);
  const kv = await store.kv();
  let created = false;
  if (kv) {
    const record: ResultRecord = {
      id: t.id,
      task: t.task,
      state: 'scheduled',
      attempts: 0,
      enqueuedAt: t.enqueuedAt,
      runAt: t.runAt,
      ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}),
      updatedAt: t.enqueuedAt,
    };
    created = await kv.create(t.id, JSON.stringify(record)).then(
      () => true,
      () => false, // the id has a record already: a duplicate enqueue, or an id used before
    );
  }
  try {
    return await publisher.publish(scheduleSubject(t.queue, t.id), t.data, t.hdrs);
  } catch (err) {
    if (created) await kv?.delete(t.id).catch(() => undefined);
    throw err;
  }
}
