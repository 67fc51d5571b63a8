import { afterEach } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { Client, Worker, type TaskDefinition } from 'celeriac';
import type { QueueSettings } from 'celeriac/topology';
import { createQueue, testLogger, uniqueQueue } from './queue.ts';

export interface QueueWithWorkerOptions {
  /** Queue name prefix (a unique suffix is added). */
  prefix: string;
  settings?: Partial<QueueSettings>;
  concurrency?: number;
  logger?: Logger;
}

/**
 * A fresh queue (results on, 60 s TTL, unless `settings` say otherwise), a Client on it and one
 * started in-process Worker running `tasks`; both are closed by the callbacks pushed on `cleanup`.
 */
export async function startQueueWithWorker(
  nc: NatsConnection,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every type
  tasks: TaskDefinition<any, any>[],
  opts: QueueWithWorkerOptions,
  cleanup: (() => Promise<unknown>)[],
): Promise<{ queue: string; client: Client; worker: Worker }> {
  const queue = uniqueQueue(opts.prefix);
  await createQueue(nc, queue, { results: { enabled: true, ttlMs: 60_000, maxBytes: 0 }, ...opts.settings });
  const client = new Client(nc, { queue });
  const worker = new Worker(nc, { queue, tasks, logger: opts.logger ?? testLogger, concurrency: opts.concurrency ?? 8, heartbeatIntervalMs: 0 });
  cleanup.push(() => client.close(), () => worker.close(1000));
  await worker.start();
  return { queue, client, worker };
}

/** A list of closers run (last first) after each test of the calling suite. */
export function useCleanup(): (() => Promise<unknown>)[] {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  return cleanup;
}
