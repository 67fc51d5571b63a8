import type { NatsConnection } from '@nats-io/nats-core';
import { parseDuration, type TaskQueue } from '@celeriac/crds';
import { readRateLimits, removeRateLimit, setRateLimit, type RateLimitEntry } from 'celeriac';

/** A limit as the operator wants it stored. */
export interface DesiredRateLimit {
  task?: string;
  limit: number;
  periodMs: number;
}

/** spec.rateLimits in the runtime's units. */
export function desiredRateLimits(tq: TaskQueue): DesiredRateLimit[] {
  return (tq.spec.rateLimits ?? []).map((r) => ({ ...(r.task === undefined ? {} : { task: r.task }), limit: r.limit, periodMs: parseDuration(r.period ?? '1s') }));
}

/**
 * What to write so the limits bucket says what the spec says. The spec's limits are written when
 * missing or different (whoever wrote them last); stored limits the operator wrote that the spec
 * no longer lists are removed; limits set through the API on tasks the spec does not name stay.
 * Nothing is rewritten when nothing differs: every write wakes every worker's watch.
 */
export function rateLimitChanges(desired: readonly DesiredRateLimit[], stored: readonly RateLimitEntry[]): { put: DesiredRateLimit[]; remove: Array<{ task?: string }> } {
  const keyOf = (l: { task?: string }) => l.task ?? '';
  const have = new Map(stored.map((s) => [keyOf(s), s]));
  const want = new Set(desired.map(keyOf));
  const put = desired.filter((d) => {
    const s = have.get(keyOf(d));
    return !s || s.limit !== d.limit || s.periodMs !== d.periodMs || s.source !== 'operator';
  });
  const remove = stored.filter((s) => s.source === 'operator' && !want.has(keyOf(s))).map((s) => (s.task === undefined ? {} : { task: s.task }));
  return { put, remove };
}

/** Applies spec.rateLimits to the queue's limits bucket; the number of limits written or removed. */
export async function syncRateLimits(nc: NatsConnection, queue: string, tq: TaskQueue): Promise<number> {
  const desired = desiredRateLimits(tq);
  let stored: RateLimitEntry[];
  try {
    stored = await readRateLimits(nc, queue);
  } catch (err) {
    // No bucket: a server without counters (before 2.12). Only a spec that asks for limits fails.
    if (desired.length === 0) return 0;
    throw new Error('spec.rateLimits needs nats-server 2.12 or later (JetStream counters)', { cause: err });
  }
  const { put, remove } = rateLimitChanges(desired, stored);
  for (const d of put) await setRateLimit(nc, queue, { task: d.task }, { limit: d.limit, periodMs: d.periodMs }, 'operator');
  for (const r of remove) await removeRateLimit(nc, queue, r);
  return put.length + remove.length;
}
