import { setTimeout as sleep } from 'node:timers/promises';
import { makePayload } from '../payload.ts';
import type { Producer, System } from '../systems/index.ts';
import type { ConsumeRun } from '../consumer-link.ts';
import type { ConsumeShape, ScenarioContext } from './context.ts';

/** Runs fn(0..n-1) with at most `width` calls in flight. */
export async function windowed(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
}

export const BULK_BATCH = 1_000;

/** Enqueues tasks 0..n-1 in bulk batches of BULK_BATCH, one batch at a time. */
export async function enqueueBulk(producer: Producer, n: number): Promise<void> {
  for (let start = 0; start < n; start += BULK_BATCH) {
    const batch = Array.from({ length: Math.min(BULK_BATCH, n - start) }, (_, k) => makePayload(start + k));
    await producer.enqueueBulk(batch);
  }
}

/** Fills a queue before a drain (not measured): four bulk batches in flight. */
export async function preload(producer: Producer, n: number): Promise<void> {
  const batches = Math.ceil(n / BULK_BATCH);
  await windowed(batches, 4, async (b) => {
    const start = b * BULK_BATCH;
    await producer.enqueueBulk(Array.from({ length: Math.min(BULK_BATCH, n - start) }, (_, k) => makePayload(start + k)));
  });
}

/** Acks are fire-and-forget in every client: give them a moment to land before reading the server's count. */
export async function settledOutstanding(system: System, queue: string, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let left = await system.outstanding(queue);
  while (left > 0 && Date.now() < deadline) {
    await sleep(50);
    left = await system.outstanding(queue);
  }
  return left;
}

/** Creates a fresh queue and its producer, runs fn, then deletes the queue whatever happened. */
export async function withQueue<T>(ctx: ScenarioContext, fn: (queue: string, producer: Producer) => Promise<T>): Promise<T> {
  const queue = ctx.newQueue();
  await ctx.system.createQueue(queue);
  const producer = await ctx.system.producer(queue);
  try {
    return await fn(queue, producer);
  } finally {
    await producer.close();
    await ctx.system.deleteQueue(queue);
  }
}

/** Asks the consumer process to consume `expected` tasks of `queue`. */
export function startConsumer(ctx: ScenarioContext, queue: string, shape: ConsumeShape, expected: number, latency = false): ConsumeRun {
  return ctx.consumer().consume({ system: ctx.system.name, variant: ctx.system.variant, endpoints: ctx.endpoints, queue, ...shape, expected, latency, timeoutMs: ctx.timeoutMs });
}
