import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { FINAL_STATES, assertQueueName, isValidTaskId } from '../protocol.ts';
import { ResultStore } from '../results.ts';
import { cancelBucketName, type CancelRequest } from './bucket.ts';

/**
 * What a cancel found: `cancelled`, the task's record says so (it was dropped or stopped);
 * `already-finished`, it had ended before (the cancel changes nothing); `requested`, the cancel is
 * stored and applies when a worker next sees the task (queued, delayed, running and not yet
 * stopped, or on a queue with results off, where nothing can be confirmed).
 */
export type CancelOutcome = 'cancelled' | 'already-finished' | 'requested';

export interface CancelOptions {
  /** Kept in the record's error message and the workers' logs. */
  reason?: string;
  /** Wait this long for the task's final record to confirm (`cancelled` or `already-finished`). Default 0. */
  waitMs?: number;
}

/**
 * Cancels task `id` of `queue`: one put to the queue's cancel bucket, which every worker watches
 * (docs/protocol.md, "Cancel"). A queued or delayed task is then never run; a running one sees
 * its `ctx.signal` abort and ends `cancelled`. Safe to repeat; the CLI calls this.
 */
export async function cancelTask(nc: NatsConnection, queue: string, id: string, options: CancelOptions = {}): Promise<CancelOutcome> {
  assertQueueName(queue);
  if (!isValidTaskId(id)) throw new TypeError(`invalid task id ${JSON.stringify(id)}`);
  const results = new ResultStore(nc, queue);
  const before = await readState(results, id);
  if (before && FINAL_STATES.has(before)) return before === 'cancelled' ? 'cancelled' : 'already-finished';
  const kv = await new Kvm(nc).open(cancelBucketName(queue));
  const body: CancelRequest = { at: Date.now(), ...(options.reason ? { reason: options.reason } : {}) };
  await kv.put(id, JSON.stringify(body));
  const waitMs = options.waitMs ?? 0;
  const after = waitMs > 0 ? await results.waitFinal(id, waitMs).then((r) => r.state, () => undefined) : await readState(results, id);
  if (after === 'cancelled') return 'cancelled';
  return after && FINAL_STATES.has(after) ? 'already-finished' : 'requested';
}

/** The record's state; undefined when there is none yet or the queue has results off. */
async function readState(results: ResultStore, id: string) {
  if (!(await results.kv())) return undefined;
  return (await results.read(id))?.state;
}
