/**
 * Periodic schedules on the wire: one schedule message per schedule, on
 * `celeriac.<queue>.sched.<key>`, that the NATS server (2.14+) fires into the task subject on a
 * cron expression or interval. Shared by the operator (`spec.schedules[]`, keys `periodic.<name>`)
 * and `client.schedule()` (keys `periodic.app.<name>`); docs/protocol.md "Periodic schedules".
 */
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { HEADERS, encodeJson, queueNames, scheduleSubject, taskSubject } from '../protocol.ts';
import { isNotFound } from './ensure-queue.ts';
import { managerOf } from './manager.ts';

/** What fires: exactly one of `every` and `cron`. */
export interface PeriodicSchedule {
  task: string;
  /** A Go duration of whole seconds, at least 1s ("30s", "1h"). */
  every?: string;
  /** 6 fields (seconds first), 5 standard fields (seconds 0 added), or a preset such as `@hourly`. */
  cron?: string;
  /** IANA zone for `cron`; default UTC. */
  timeZone?: string;
  payload?: unknown;
  /** Each tick's task expiry, a Go duration (`Nats-Schedule-TTL`, becoming the tick's `Nats-TTL`). */
  expires?: string;
  /** Sent on every tick as `Celeriac-Meta-<name>` headers. */
  metadata?: Record<string, string>;
}

/** One schedule message, desired or as stored. */
export interface ScheduleMessage {
  /** The part of the subject after `celeriac.<queue>.sched.`. */
  key: string;
  subject: string;
  headers: Record<string, string>;
  body: string;
  /** When the server stored it (stored messages only): an `@every` schedule counts from here. */
  storedAt?: Date;
}

const NATS_SCHEDULE = 'Nats-Schedule';

/** The `Nats-Schedule` value: `@every <dur>`, a preset, or a 6-field cron. */
export function scheduleSpecification(s: Pick<PeriodicSchedule, 'every' | 'cron'>): string {
  if ((s.every === undefined) === (s.cron === undefined)) throw new TypeError('a schedule needs exactly one of every and cron');
  if (s.every !== undefined) return `@every ${s.every}`;
  const cron = s.cron!.trim();
  // The server reads 6 fields only; standard 5-field cron means second 0.
  return !cron.startsWith('@') && cron.split(/\s+/).length === 5 ? `0 ${cron}` : cron;
}

/** Pure: the message that makes the server fire `s` into the queue. */
export function scheduleMessage(queue: string, key: string, s: PeriodicSchedule): ScheduleMessage {
  const h: Record<string, string> = {
    [NATS_SCHEDULE]: scheduleSpecification(s),
    'Nats-Schedule-Target': taskSubject(queue, s.task),
    [HEADERS.scheduleName]: key,
  };
  if (s.timeZone !== undefined && s.cron !== undefined) h['Nats-Schedule-Time-Zone'] = s.timeZone;
  if (s.expires !== undefined) h['Nats-Schedule-TTL'] = s.expires;
  for (const [k, v] of Object.entries(s.metadata ?? {})) h[HEADERS.metaPrefix + k] = v;
  return { key, subject: scheduleSubject(queue, key), headers: h, body: new TextDecoder().decode(encodeJson(s.payload ?? null)) };
}

/**
 * Whether a stored schedule already is the desired one. Republishing an unchanged schedule would
 * restart an `@every` interval, so the sync publishes only on a difference. Headers the server adds
 * (Nats-Rollup) are ignored; a header the desired message lacks is a difference.
 */
export function sameSchedule(stored: ScheduleMessage, desired: ScheduleMessage): boolean {
  const mine = (h: Record<string, string>) =>
    Object.entries(h).filter(([k]) => k.startsWith('Celeriac-') || k.startsWith('Nats-Schedule')).sort(([a], [b]) => a.localeCompare(b));
  return stored.body === desired.body && JSON.stringify(mine(stored.headers)) === JSON.stringify(mine(desired.headers));
}

/** Publishes (or replaces: the server rolls up per subject) one schedule message. */
export async function putSchedule(nc: NatsConnection, m: ScheduleMessage): Promise<void> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
  await jetstream(nc).publish(m.subject, m.body, { headers: h });
}

/** Removes one schedule message: the server fires it no more. */
export async function removeSchedule(nc: NatsConnection, queue: string, key: string): Promise<void> {
  const jsm = await managerOf(nc);
  await jsm.streams.purge(queueNames(queue).stream, { filter: scheduleSubject(queue, key) });
}

/**
 * The periodic schedule messages stored under `pattern` (a key with wildcards, e.g. `periodic.*`).
 * A queue whose stream is missing has none.
 */
export async function readSchedules(nc: NatsConnection, queue: string, pattern: string): Promise<ScheduleMessage[]> {
  const jsm = await managerOf(nc);
  const stream = queueNames(queue).stream;
  const prefix = scheduleSubject(queue, '');
  let subjects: Record<string, number>;
  try {
    const info = await jsm.streams.info(stream, { subjects_filter: scheduleSubject(queue, pattern) });
    subjects = info.state.subjects ?? {};
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  const out: ScheduleMessage[] = [];
  for (const subject of Object.keys(subjects).sort()) {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch((e: unknown) => (isNotFound(e) ? null : Promise.reject(e)));
    if (!m || !m.header?.has(NATS_SCHEDULE)) continue; // fired and gone meanwhile, or not a schedule
    const headers: Record<string, string> = {};
    for (const [k, v] of m.header) if (v[0] !== undefined) headers[k] = v[0];
    out.push({ key: subject.slice(prefix.length), subject, headers, body: m.string(), storedAt: m.time });
  }
  return out;
}
