import { createHash } from 'node:crypto';

/** A per-key concurrency limit of one task (`defineTask(..., { concurrency })`). */
export interface ConcurrencyOptions<P> {
  /** Tasks of one key running at once across every worker of the queue. */
  limit: number;
  /**
   * The key of a payload (a tenant, an account). Without it every task of the definition shares
   * one key: `limit` then bounds the task across the fleet. Returning undefined runs the task
   * without a limit. An enqueue's `concurrencyKey` (header `Celeriac-Concurrency-Key`) wins.
   */
  // A method, not a function property: a task of payload P must still pass as TaskOptions<unknown>.
  key?(payload: P): string | undefined;
}

/** The most slots one key may have: each waiting worker probes them one by one. */
export const MAX_CONCURRENCY_LIMIT = 1_000;

/** Throws a RangeError naming the field when the options cannot describe a limit. */
export function checkConcurrency(task: string, c: ConcurrencyOptions<unknown>): void {
  if (!Number.isInteger(c.limit) || c.limit < 1 || c.limit > MAX_CONCURRENCY_LIMIT) {
    throw new RangeError(`task ${task}: concurrency.limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}, got ${String(c.limit)}`);
  }
  if (c.key !== undefined && typeof c.key !== 'function') throw new TypeError(`task ${task}: concurrency.key must be a function of the payload`);
}

/** Stands for "every task of the definition" when there is no key function. */
const WHOLE_TASK = '_all';

/**
 * The key of one task: the header when the producer set one, else the key function's answer,
 * else (no key function) the whole task. Undefined: the task runs without a limit. A key
 * function that throws, or returns something other than a string, is the payload's fault: the
 * caller dead-letters the task.
 */
export function concurrencyKeyOf<P>(c: ConcurrencyOptions<P>, header: string | undefined, payload: P): string | undefined {
  if (header) return header;
  if (!c.key) return WHOLE_TASK;
  const k = c.key(payload);
  if (k === undefined || k === null) return undefined;
  if (typeof k !== 'string') throw new TypeError(`concurrency.key returned ${typeof k}, not a string`);
  return k;
}

/** Keys made only of these characters are used as they are in a KV key: readable in `nats kv ls`. */
const PLAIN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One KV key token for a concurrency key. Other keys (dots, spaces, long ones) become `=` and a
 * hash: `=` never appears in a plain key, so the two forms cannot collide.
 */
export function keyToken(key: string): string {
  if (PLAIN.test(key)) return key;
  return `=${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

/** The KV key prefix of a task's key: its slots are `<prefix>.<index>`. */
export function slotPrefix(task: string, key: string): string {
  return `${task}.${keyToken(key)}`;
}

/** The prefix of a slot's KV key (everything before the last token). */
export function prefixOfSlot(slotKey: string): string {
  return slotKey.slice(0, slotKey.lastIndexOf('.'));
}
