/**
 * When the NATS server fires a periodic schedule next: the server's own rules (nats-server v2.14
 * server/scheduler.go and cron.go) redone in TypeScript, so status.nextFireTime agrees with what
 * happens. A cron tick is the first instant whose wall clock in the zone matches the expression;
 * so on a spring-forward day a time inside the skipped hour never occurs (skipped), and on a
 * fall-back day a time inside the repeated hour occurs twice (fired twice). docs/concepts.md.
 */

const PRESETS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  values: Set<number>;
  /** Written as `*` or `?` (the day rule differs then). */
  star: boolean;
}
interface Bounds {
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of names[0]. */
  first?: number;
}
const SECOND: Bounds = { min: 0, max: 59 };
const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: MONTHS, first: 1 };
const DOW: Bounds = { min: 0, max: 6, names: DAYS, first: 0 };

export class CronError extends Error {
  constructor(expression: string, problem: string) {
    super(`cron ${JSON.stringify(expression)}: ${problem}`);
    this.name = 'CronError';
  }
}

export interface ParsedCron {
  second: Field;
  minute: Field;
  hour: Field;
  dom: Field;
  month: Field;
  dow: Field;
}

/** Parses a 6-field expression or a preset, as the server does (names, ranges, steps, `*`, `?`). */
export function parseCron(expression: string): ParsedCron {
  const fields = (PRESETS[expression] ?? expression).trim().split(/\s+/);
  if (fields.length !== 6) throw new CronError(expression, `needs 6 fields, has ${fields.length}`);
  const [s, mi, h, d, mo, w] = fields as [string, string, string, string, string, string];
  const f = (text: string, b: Bounds) => parseField(expression, text, b);
  return { second: f(s, SECOND), minute: f(mi, MINUTE), hour: f(h, HOUR), dom: f(d, DOM), month: f(mo, MONTH), dow: f(w, DOW) };
}

function parseField(expression: string, text: string, b: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText, ...more] = part.split('/');
    if (more.length > 0) throw new CronError(expression, `too many slashes in ${part}`);
    const ends = range.split('-');
    let start: number;
    let end: number;
    if (range === '*' || range === '?') {
      [start, end] = [b.min, b.max];
      star = stepText === undefined || Number(stepText) <= 1;
    } else {
      if (ends.length > 2) throw new CronError(expression, `too many hyphens in ${part}`);
      start = value(expression, ends[0]!, b);
      end = ends.length === 2 ? value(expression, ends[1]!, b) : stepText === undefined ? start : b.max;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(expression, `bad step in ${part}`);
    if (start < b.min || end > b.max || start > end) throw new CronError(expression, `${part} is outside ${b.min}-${b.max}`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values, star };
}

function value(expression: string, text: string, b: Bounds): number {
  const named = b.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (b.first ?? 0);
  if (!/^\d+$/.test(text)) throw new CronError(expression, `${JSON.stringify(text)} is not a number`);
  return Number(text);
}

interface Wall {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function wallClock(ms: number, timeZone: string): Wall {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const { type, value: v } of f.formatToParts(ms)) p[type] = v;
  return {
    month: Number(p.month), day: Number(p.day), weekday: DAYS.indexOf((p.weekday ?? '').toLowerCase()),
    hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second),
  };
}

/** Day of month and day of week: both must match unless either is `*` (then the other decides). */
function dayMatches(c: ParsedCron, w: Wall): boolean {
  const d = c.dom.values.has(w.day);
  const wd = c.dow.values.has(w.weekday);
  return c.dom.star || c.dow.star ? d && wd : d || wd;
}

/** Steps an instant can take before giving up: five years of day-sized steps, as the server's limit. */
const MAX_STEPS = 5 * 366 * (1 + 24 + 60 + 60);

/** The first whole second after `afterMs` whose wall clock in `timeZone` matches; undefined if none within ~5 years. */
export function nextCronFire(c: ParsedCron, timeZone: string, afterMs: number): number | undefined {
  let t = Math.floor(afterMs / 1000) * 1000 + 1000;
  for (let i = 0; i < MAX_STEPS; i++) {
    const w = wallClock(t, timeZone);
    const toNextMinute = (60 - w.second) * 1000;
    const toNextHour = (59 - w.minute) * 60_000 + toNextMinute;
    // A wrong day jumps to 23:00 of it by the wall clock, then by hours: a day jump that assumed
    // 24 hours would overshoot the next midnight on a 23-hour (spring-forward) day.
    if (!c.month.values.has(w.month) || !dayMatches(c, w)) t += w.hour < 22 ? (22 - w.hour) * 3_600_000 + toNextHour : toNextHour;
    else if (!c.hour.values.has(w.hour)) t += toNextHour;
    else if (!c.minute.values.has(w.minute)) t += toNextMinute;
    else if (!c.second.values.has(w.second)) t += 1000;
    else return t;
  }
  return undefined;
}

/**
 * `@every`: the server counts from the schedule message's time rounded to the second, and after
 * an outage fires once and counts on from then; so the next fire is the first step past now.
 */
export function nextEveryFire(everyMs: number, storedAtMs: number, nowMs: number): number {
  const anchor = Math.round(storedAtMs / 1000) * 1000;
  const steps = Math.max(1, Math.floor((nowMs - anchor) / everyMs) + 1);
  return anchor + steps * everyMs;
}
