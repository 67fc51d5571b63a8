import type { NatsConnection } from '@nats-io/nats-core';
import { Worker, defineTask, type DeclaredTask } from 'celeriac';
import { testLogger } from './queue.ts';

/** One run of a periodic tick: its task id (distinct per tick) and when the handler ran. */
export interface TickRun {
  id: string;
  at: number;
  /** 1 for a tick's first delivery; more when JetStream redelivered it (at-least-once). */
  attempt: number;
}

/**
 * A started Worker on `queue` that runs `task` (a no-op tick) and records every run, for the
 * schedule tests: exactly-once is "ids distinct", cadence is the gaps between `at`s.
 */
export async function startTickRecorder(nc: NatsConnection, queue: string, task: DeclaredTask<null, null>): Promise<{ runs: TickRun[]; worker: Worker }> {
  const runs: TickRun[] = [];
  const impl = defineTask(task, (_p, ctx) => {
    runs.push({ id: ctx.id, at: Date.now(), attempt: ctx.attempt });
    return null;
  });
  const worker = new Worker(nc, { queue, tasks: [impl], logger: testLogger, heartbeatIntervalMs: 0 });
  await worker.start();
  return { runs, worker };
}
