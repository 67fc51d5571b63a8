/**
 * `spec.schedules[]` -> schedule messages the NATS server fires (beat without a beat process).
 * Pure parts: the desired messages, the plan against what is stored, the status. The apply step
 * publishes only what differs (republishing restarts an `every` interval) and deletes the rest.
 * Keys are `periodic.<name>`; app-made schedules (`periodic.app.<name>`) are never touched here.
 */
import { parseDuration, type TaskQueue, type TaskQueueStatus } from '@celeriac/crds';
import type { NatsConnection } from '@nats-io/nats-core';
import { queueNames, type ResultRecord } from 'celeriac/protocol';
import { isNotFound, managerOf, putSchedule, readSchedules, removeSchedule, sameSchedule, scheduleMessage, type ScheduleMessage } from 'celeriac/topology';
import { CronError, nextCronFire, nextEveryFire, parseCron } from './next-fire.ts';

type ScheduleSpec = NonNullable<TaskQueue['spec']['schedules']>[number];
type ScheduleStatus = NonNullable<TaskQueueStatus['schedules']>[number];

/** The operator's schedules of a queue, one subject token each. */
export const OPERATOR_SCHEDULES = 'periodic.*';
/** Every periodic schedule of a queue, the app's included: removed when a retained queue goes. */
export const ALL_SCHEDULES = 'periodic.>';
const keyOf = (name: string) => `periodic.${name}`;

/** Pure: the schedule messages the spec asks for (suspended ones have none). */
export function desiredSchedules(queue: string, specs: readonly ScheduleSpec[]): ScheduleMessage[] {
  return specs
    .filter((s) => !s.suspend)
    .map((s) =>
      scheduleMessage(queue, keyOf(s.name), {
        task: s.task,
        ...(s.every !== undefined ? { every: s.every } : {}),
        ...(s.cron !== undefined ? { cron: s.cron } : {}),
        ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
        ...(s.expires !== undefined ? { expires: s.expires } : {}),
        payload: s.payload ?? null,
      }),
    );
}

export interface SchedulePlan {
  put: ScheduleMessage[];
  /** Keys whose messages go. */
  remove: string[];
}

/** Pure: what to publish and delete so the stored schedules equal the desired ones. */
export function planSchedules(desired: readonly ScheduleMessage[], stored: readonly ScheduleMessage[]): SchedulePlan {
  const byKey = new Map(stored.map((m) => [m.key, m]));
  const wanted = new Set(desired.map((m) => m.key));
  return {
    put: desired.filter((d) => {
      const s = byKey.get(d.key);
      return !s || !sameSchedule(s, d);
    }),
    remove: stored.filter((s) => !wanted.has(s.key)).map((s) => s.key),
  };
}

/** Pure: when a schedule fires next, from its spec and the time its message was stored. */
export function nextFireTime(s: ScheduleSpec, storedAt: Date, now: Date): Date | undefined {
  if (s.every !== undefined) return new Date(nextEveryFire(parseDuration(s.every), storedAt.getTime(), now.getTime()));
  if (s.cron === undefined) return undefined;
  const cron = s.cron.trim().split(/\s+/).length === 5 ? `0 ${s.cron.trim()}` : s.cron.trim();
  const t = nextCronFire(parseCron(cron), s.timeZone ?? 'UTC', now.getTime());
  return t === undefined ? undefined : new Date(t);
}

/**
 * Applies `spec.schedules` to the queue's stream and returns their status. A schedule the server
 * refuses (an expression it cannot parse, a queue whose limits forbid schedules) is reported in
 * its entry, not thrown: the other schedules and the queue stay in effect.
 */
export async function syncSchedules(
  nc: NatsConnection,
  queue: string,
  tq: TaskQueue,
  now: Date,
): Promise<Pick<TaskQueueStatus, 'scheduleCount' | 'schedules'>> {
  const specs = tq.spec.schedules ?? [];
  const desired = desiredSchedules(queue, specs);
  const stored = await readSchedules(nc, queue, OPERATOR_SCHEDULES);
  const plan = planSchedules(desired, stored);
  const problems = new Map<string, string>();
  for (const key of plan.remove) await removeSchedule(nc, queue, key);
  for (const m of plan.put) {
    try {
      await putSchedule(nc, m);
    } catch (e) {
      problems.set(m.key, (e as Error).message);
      // A refused replacement must not leave the old schedule firing.
      if (stored.some((s) => s.key === m.key)) await removeSchedule(nc, queue, m.key);
    }
  }
  const storedAt = new Map(stored.filter((s) => !plan.put.some((p) => p.key === s.key)).map((s) => [s.key, s.storedAt ?? now]));
  const statuses: ScheduleStatus[] = [];
  for (const s of specs) {
    const key = keyOf(s.name);
    const entry: ScheduleStatus = { name: s.name };
    const problem = problems.get(key);
    if (s.suspend) entry.message = 'suspended';
    else if (problem) entry.message = `NATS refused the schedule: ${problem}`;
    else entry.nextFireTime = nextFire(s, storedAt.get(key) ?? now, now);
    Object.assign(entry, await lastTick(nc, queue, tq, key));
    statuses.push(entry);
  }
  return { scheduleCount: specs.filter((s) => !s.suspend).length - problems.size, schedules: statuses };
}

function nextFire(s: ScheduleSpec, storedAt: Date, now: Date): string | undefined {
  try {
    return nextFireTime(s, storedAt, now)?.toISOString();
  } catch (e) {
    if (e instanceof CronError) return undefined;
    throw e;
  }
}

/** The newest result record of the schedule's ticks (their ids are `<key>.<ms>`), when results are kept. */
async function lastTick(nc: NatsConnection, queue: string, tq: TaskQueue, key: string): Promise<Partial<ScheduleStatus>> {
  if (!tq.spec.results.enabled) return {};
  const bucket = queueNames(queue).resultBucket;
  const jsm = await managerOf(nc);
  const m = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${key}.*` }).catch((e: unknown) => (isNotFound(e) ? null : Promise.reject(e)));
  if (!m || m.data.length === 0) return {};
  const r = m.json<ResultRecord>();
  return { lastTaskId: r.id, ...(r.enqueuedAt ? { lastFireTime: new Date(r.enqueuedAt).toISOString() } : {}) };
}

/** On deleting a retained queue: no schedule of it (the app's included) may keep firing. */
export async function removeAllSchedules(nc: NatsConnection, queue: string): Promise<void> {
  try {
    await removeSchedule(nc, queue, ALL_SCHEDULES);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
