// Shared pieces of the chaos tests (test/chaos/): a nats-server per file, a queue with its run
// ledger and worker processes, drain checks, percentiles, the measurement log line that
// docs/reliability.md quotes.
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { readQueueState } from 'celeriac/topology';
import { Client, type ClientOptions } from 'celeriac';
import type { QueueSettings } from 'celeriac/topology';
import { createLedger } from './chaos-ledger.ts';
import { startNats, type NatsServer } from './nats.ts';
import { connectTo, createQueue, uniqueQueue, waitFor } from './queue.ts';
import { startWorkerFleet, type WorkerFleet } from './worker-fleet.ts';

/**
 * Retries that outlast any fault a chaos test injects: a task whose dependency (here, the
 * recording stream) is briefly unreachable is retried, never dead-lettered for want of attempts.
 */
export const PATIENT_RETRY = JSON.stringify({ maxAttempts: 50, backoff: { type: 'fixed', delayMs: 200 } });

/**
 * True once every task has been acked or dead-lettered: nothing pending or in flight (a
 * work-queue stream then holds nothing either). Read as the autoscaler reads the backlog.
 */
export async function drained(nc: NatsConnection, queue: string): Promise<boolean> {
  const s = await readQueueState(nc, queue).catch(() => undefined);
  return s !== undefined && s.pending === 0 && s.ackPending === 0;
}

/**
 * A nats-server and an admin connection for one test file. `queue()` starts a chaos queue on it
 * (see startChaosQueue) whose workers are stopped after each test.
 */
export function useChaosNats(): {
  server(): NatsServer;
  nc(): NatsConnection;
  queue(opts: Omit<ChaosQueueOptions, 'natsUrls'>): ReturnType<typeof startChaosQueue>;
} {
  let server: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  const fleets: WorkerFleet[] = [];
  beforeAll(async () => {
    server = await startNats();
    nc = await connectTo(server.url);
  });
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.stop(2_000)));
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  return {
    server: () => server!,
    nc: () => nc!,
    queue: async (opts) => {
      const q = await startChaosQueue(nc!, { ...opts, natsUrls: [server!.url] });
      fleets.push(q.fleet);
      return q;
    },
  };
}

export interface ChaosQueueOptions {
  natsUrls: string[];
  workers: number;
  /** Task modules besides test/support/chaos-tasks.ts. */
  modules?: string[];
  /** Queue settings over file storage; `replicas` applies to the run ledger too. */
  settings?: Partial<QueueSettings>;
  /** Worker env besides patient retries; default concurrency 16. */
  env?: Record<string, string>;
  restartOnExit?: boolean;
  client?: Omit<ClientOptions, 'queue'>;
}

/** A file-storage queue with its run ledger, worker processes running the chaos tasks (ready), and a client. */
export async function startChaosQueue(nc: NatsConnection, opts: ChaosQueueOptions): Promise<{ queue: string; fleet: WorkerFleet; client: Client }> {
  const queue = uniqueQueue('chaos');
  await createQueue(nc, queue, { storage: 'file', ...opts.settings });
  await createLedger(nc, queue, { replicas: opts.settings?.replicas ?? 1 });
  const fleet = await startWorkerFleet({
    natsUrls: opts.natsUrls,
    queue,
    taskModules: ['test/support/chaos-tasks.ts', ...(opts.modules ?? [])],
    size: opts.workers,
    ...(opts.restartOnExit ? { restartOnExit: true } : {}),
    env: { CELERIAC_CONCURRENCY: '16', CELERIAC_DEFAULT_RETRY: PATIENT_RETRY, ...opts.env },
  });
  try {
    await waitFor(() => fleet.allReady(), { timeoutMs: 30_000, what: 'workers ready' });
  } catch (e) {
    await fleet.stop(1_000);
    throw e;
  }
  return { queue, fleet, client: new Client(nc, { queue, ...opts.client }) };
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
