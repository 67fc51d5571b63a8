import type { MsgHdrs } from '@nats-io/nats-core';
import { HEADERS } from '../protocol.ts';

/** When a task may run: options of `enqueue` and of each `enqueueMany` item. */
export interface TimingOptions {
  /** Run no earlier than this many milliseconds from now. 0 (or less than a millisecond) runs now. */
  delay?: number;
  /** Run no earlier than this time (a Date or ms since the epoch). A past time runs now. */
  runAt?: Date | number;
  /**
   * Milliseconds from enqueue (not from the run time, for a delayed task) after which a task
   * not yet started never runs; its record then says `expired`.
   */
  ttl?: number;
  /** The time after which a task not yet started never runs (a Date or ms since the epoch). */
  expiresAt?: Date | number;
}

/** Resolved timing of one enqueue, in ms since the epoch: `runAt` only when in the future. */
export interface Timing {
  runAt?: number;
  expiresAt?: number;
}

const toMs = (t: Date | number): number => (t instanceof Date ? t.getTime() : t);

function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`${name} must be a finite number of milliseconds or a valid Date, got ${String(value)}`);
  return value;
}

/** Checks and resolves the time options against `now`; throws a TypeError naming the bad option. */
export function resolveTiming(options: TimingOptions, now: number): Timing {
  if (options.delay !== undefined && options.runAt !== undefined) throw new TypeError('pass either delay or runAt, not both');
  if (options.ttl !== undefined && options.expiresAt !== undefined) throw new TypeError('pass either ttl or expiresAt, not both');
  const out: Timing = {};
  if (options.delay !== undefined) {
    if (finite('delay', options.delay) < 0) throw new TypeError(`delay must not be negative, got ${options.delay}`);
    if (options.delay >= 1) out.runAt = now + Math.round(options.delay);
  }
  if (options.runAt !== undefined) {
    const at = Math.round(finite('runAt', toMs(options.runAt)));
    if (at > now) out.runAt = at;
  }
  if (options.ttl !== undefined) {
    if (finite('ttl', options.ttl) <= 0) throw new TypeError(`ttl must be positive, got ${options.ttl}`);
    out.expiresAt = now + Math.round(options.ttl);
  }
  if (options.expiresAt !== undefined) out.expiresAt = Math.round(finite('expiresAt', toMs(options.expiresAt)));
  if (out.expiresAt !== undefined && out.runAt !== undefined && out.expiresAt <= out.runAt) {
    throw new TypeError(`the task would expire (${new Date(out.expiresAt).toISOString()}) before it runs (${new Date(out.runAt).toISOString()})`);
  }
  return out;
}

/**
 * Puts the timing on a task's headers. A delayed task gets the schedule headers too: the message
 * then goes to the queue's schedule subject and the server fires a copy of it (these headers
 * included, the `Nats-Schedule*` ones turned into `Nats-Scheduler`) into `target` at `runAt`.
 */
export function setTimingHeaders(hdrs: MsgHdrs, timing: Timing, target: string): void {
  if (timing.expiresAt !== undefined) hdrs.set(HEADERS.expiresAt, String(timing.expiresAt));
  if (timing.runAt === undefined) return;
  hdrs.set(HEADERS.runAt, String(timing.runAt));
  hdrs.set(HEADERS.schedule, `@at ${new Date(timing.runAt).toISOString()}`);
  hdrs.set(HEADERS.scheduleTarget, target);
}

/** Schedule subjects are one schedule each and take the task id as tokens: it must make valid ones. */
const SUBJECT_TOKENS = /^[^.\s*>]+(\.[^.\s*>]+)*$/;

export function assertSchedulableId(id: string): void {
  if (!SUBJECT_TOKENS.test(id)) {
    throw new TypeError(`task id ${JSON.stringify(id)} cannot name a delayed task's schedule: no empty '.'-separated parts`);
  }
}
