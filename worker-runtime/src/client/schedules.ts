/**
 * Periodic schedules made by an app at run time (`client.schedule()`): schedules that are data
 * rather than config, e.g. one per customer. They live under keys `periodic.app.<name>`, which the
 * operator's sync of `spec.schedules[]` never touches.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { HEADERS } from '../protocol.ts';
import { putSchedule, readSchedules, removeSchedule, scheduleMessage, type PeriodicSchedule } from '../topology/schedules.ts';
import type { DeclaredTask } from '../task.ts';

const APP_PREFIX = 'periodic.app.';
/** An app schedule's name is one subject token and part of each tick's task id. */
const APP_SCHEDULE_NAME = /^[A-Za-z0-9_-]{1,100}$/;

export interface ScheduleOptions<P> extends Omit<PeriodicSchedule, 'task' | 'payload'> {
  name: string;
  task: DeclaredTask<P, unknown>;
  payload: NoInfer<P>;
  queue?: string;
}

/** An app schedule as stored in NATS. */
export interface AppSchedule {
  name: string;
  task: string;
  /** The server's form: `@every 30s`, a 6-field cron or a preset. */
  specification: string;
  timeZone?: string;
  payload: unknown;
  /** Tick task ids start with this, followed by `.<ms>`. */
  tickIdPrefix: string;
}

function appKey(name: string): string {
  if (!APP_SCHEDULE_NAME.test(name)) throw new TypeError(`invalid schedule name ${JSON.stringify(name)}: use letters, digits, '_' and '-'`);
  return APP_PREFIX + name;
}

/** Creates or replaces the app schedule `name` (replacing restarts an `every` interval). */
export async function scheduleTask<P>(nc: NatsConnection, queue: string, o: ScheduleOptions<P>): Promise<AppSchedule> {
  const key = appKey(o.name);
  const m = scheduleMessage(queue, key, { ...o, task: o.task.name });
  await putSchedule(nc, m);
  return toAppSchedule(o.name, m.headers, m.body);
}

export async function listAppSchedules(nc: NatsConnection, queue: string): Promise<AppSchedule[]> {
  const stored = await readSchedules(nc, queue, APP_PREFIX + '*');
  return stored.map((m) => toAppSchedule(m.key.slice(APP_PREFIX.length), m.headers, m.body));
}

/** Removes the app schedule `name`; no tick fires after this returns. Removing a missing one is a no-op. */
export function unscheduleTask(nc: NatsConnection, queue: string, name: string): Promise<void> {
  return removeSchedule(nc, queue, appKey(name));
}

function toAppSchedule(name: string, h: Record<string, string>, body: string): AppSchedule {
  const target = h['Nats-Schedule-Target'] ?? '';
  const tz = h['Nats-Schedule-Time-Zone'];
  return {
    name,
    task: target.split('.').slice(3).join('.'),
    specification: h['Nats-Schedule'] ?? '',
    ...(tz ? { timeZone: tz } : {}),
    payload: body.length > 0 ? (JSON.parse(body) as unknown) : undefined,
    tickIdPrefix: h[HEADERS.scheduleName] ?? APP_PREFIX + name,
  };
}
