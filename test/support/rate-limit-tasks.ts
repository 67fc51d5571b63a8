// Tasks for test/integration/rate-limits.test.ts, loaded by celeriac-worker processes too.
import { defineTask } from 'celeriac';

/** What a rate-limited test task returns: when its handler started and which attempt it was. */
export interface StartMark {
  startedAt: number;
  attempt: number;
}

/** Returns when it started; the test checks the starts against the limit. */
export const tick = defineTask('rl.tick', (_p: { n: number }, ctx): StartMark => ({ startedAt: Date.now(), attempt: ctx.attempt }));

/** Like tick, with its own limit of 2 per second declared in code. */
export const slowTick = defineTask('rl.slow', (_p: { n: number }, ctx): StartMark => ({ startedAt: Date.now(), attempt: ctx.attempt }), {
  rateLimit: { perSecond: 2 },
});

/** Counts starts per fixed window of `periodMs`, by window index. */
export function startsPerWindow(marks: readonly StartMark[], periodMs: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of marks) {
    const w = Math.floor(m.startedAt / periodMs);
    out.set(w, (out.get(w) ?? 0) + 1);
  }
  return out;
}

/** The most starts in any interval of `periodMs` (a sliding window over the sorted starts). */
export function maxStartsInAnyPeriod(marks: readonly StartMark[], periodMs: number): number {
  const t = marks.map((m) => m.startedAt).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] ?? 0) - (t[j] ?? 0) >= periodMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
