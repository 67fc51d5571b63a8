import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { parseRateLimit, rateLimitKey, scopeOfKey, type RateLimit, type RateLimitScope, type RateLimitSpec } from './limit.ts';
import { rateLimitBucketName } from './topology.ts';

/**
 * Who wrote a stored limit. The operator owns the limits its TaskQueue lists (it rewrites them
 * on every reconcile and removes the ones the spec drops); limits set through the API on other
 * keys are left alone.
 */
export type RateLimitSource = 'api' | 'operator';

/** A limits bucket entry: the JSON value of key `queue` or `task.<name>`. */
export interface StoredRateLimit extends RateLimit {
  source?: RateLimitSource;
}

/** A limit with what it applies to, as listed by `readRateLimits`. */
export interface RateLimitEntry extends StoredRateLimit {
  /** Absent: the queue-wide limit. */
  task?: string;
}

async function openBucket(nc: NatsConnection, queue: string): Promise<KV> {
  try {
    return await new Kvm(nc).open(rateLimitBucketName(queue));
  } catch (err) {
    throw new Error(`queue ${queue} has no rate-limit bucket ${rateLimitBucketName(queue)}; sync the queue (ensureQueue, or the operator) first`, { cause: err });
  }
}

/**
 * Sets (or changes) a rate limit at run time: every worker of the queue applies it within about a
 * second, without a restart. `task` omitted = the queue-wide limit, which every task also obeys.
 * Throws InvalidRateLimit, naming the field, for a bad spec; nothing is stored then.
 */
export async function setRateLimit(nc: NatsConnection, queue: string, scope: RateLimitScope, spec: RateLimitSpec, source: RateLimitSource = 'api'): Promise<RateLimit> {
  const limit = parseRateLimit(spec);
  const key = rateLimitKey(scope);
  const value: StoredRateLimit = { ...limit, source };
  await (await openBucket(nc, queue)).put(key, JSON.stringify(value));
  return limit;
}

/** Removes a rate limit; tasks it held start at once. A task's own `rateLimit` option applies again. */
export async function removeRateLimit(nc: NatsConnection, queue: string, scope: RateLimitScope): Promise<void> {
  await (await openBucket(nc, queue)).delete(rateLimitKey(scope));
}

/** The limits stored for a queue; entries that do not parse are left out (workers ignore them too). */
export async function readRateLimits(nc: NatsConnection, queue: string): Promise<RateLimitEntry[]> {
  const kv = await openBucket(nc, queue);
  const out: RateLimitEntry[] = [];
  for await (const key of await kv.keys()) {
    const scope = scopeOfKey(key);
    const e = await kv.get(key);
    if (!scope || !e || e.operation !== 'PUT') continue;
    const stored = decodeStoredLimit(e.string());
    if (stored) out.push({ ...scope, ...stored });
  }
  return out;
}

/** A stored entry's limit, or undefined if it is not a valid one (a hand-written value). */
export function decodeStoredLimit(text: string): StoredRateLimit | undefined {
  try {
    const v = JSON.parse(text) as { source?: unknown };
    const limit = parseRateLimit(v);
    return v.source === 'api' || v.source === 'operator' ? { ...limit, source: v.source } : limit;
  } catch {
    return undefined;
  }
}
