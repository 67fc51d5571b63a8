// Small shared pieces of the chaos tests (test/chaos/): queue drain checks, percentiles, the
// measurement log line that docs/reliability.md quotes.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { queueNames } from '../../worker-runtime/src/index.ts';

/**
 * Retries that outlast any fault a chaos test injects: a task whose dependency (here, the
 * recording stream) is briefly unreachable is retried, never dead-lettered for want of attempts.
 */
export const PATIENT_RETRY = JSON.stringify({ maxAttempts: 50, backoff: { type: 'fixed', delayMs: 200 } });

export interface QueueCounts {
  /** Not delivered yet. */
  pending: number;
  /** Delivered, not acked (running, waiting for a retry, or held by a dead worker until ack wait). */
  ackPending: number;
  /** Messages still in the work-queue stream (acked ones are removed). */
  stored: number;
  deadLetters: number;
}

export async function queueCounts(nc: NatsConnection, queue: string): Promise<QueueCounts> {
  const jsm = await jetstreamManager(nc);
  const n = queueNames(queue);
  const [c, s, d] = await Promise.all([
    jsm.consumers.info(n.stream, n.consumer),
    jsm.streams.info(n.stream),
    jsm.streams.info(n.deadLetterStream).catch(() => undefined),
  ]);
  return { pending: c.num_pending, ackPending: c.num_ack_pending, stored: s.state.messages, deadLetters: d?.state.messages ?? 0 };
}

/** True once every task has been acked or dead-lettered: nothing pending, in flight or stored. */
export async function drained(nc: NatsConnection, queue: string): Promise<boolean> {
  const c = await queueCounts(nc, queue).catch(() => undefined);
  return c !== undefined && c.pending === 0 && c.ackPending === 0 && c.stored === 0;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One greppable line per measurement: `[chaos] <test> {json}`; docs/reliability.md quotes them. */
export function report(test: string, numbers: Record<string, unknown>): void {
  console.log(`[chaos] ${test} ${JSON.stringify(numbers)}`);
}

/**
 * Calls `fn` until it succeeds: reads through a cluster fail while a stream elects a leader, and
 * the check should wait that out rather than fail the test.
 */
export async function retrying<T>(fn: () => Promise<T>, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${opts.what ?? 'operation'} kept failing: ${(e as Error).message}`, { cause: e });
      await sleep(250);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
