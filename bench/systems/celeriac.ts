import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Client, Worker, declareTask, defineTask } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import type { BenchPayload } from '../payload.ts';
import type { Endpoints, System } from './system.ts';
import { deleteStreams } from './jetstream-admin.ts';

const TASK = declareTask<BenchPayload, void>('bench.task');
const silent = pino({ level: 'silent' });

/**
 * Our Client and Worker on a file-storage queue. Tuned (the base): results off, heartbeats off,
 * the bench's read-ahead; the configuration the issue-3 targets are set for. `defaults`: the
 * queue and Worker as `defaultQueueSettings` and `new Worker({ queue, tasks, concurrency })` make
 * them: results on (a durable record per task before its ack), heartbeats on, the default
 * read-ahead (the slots plus what the worker starts in 100 ms, worker/read-ahead.ts).
 */
export async function openCeleriac(endpoints: Endpoints, defaults = false): Promise<System> {
  const nc = await connect({ servers: endpoints.natsUrl });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  return {
    name: 'celeriac',
    variant: defaults ? 'defaults' : undefined,
    async createQueue(queue) {
      const base = defaultQueueSettings(queue);
      await ensureQueue(nc, defaults ? base : { ...base, storage: 'file', results: { ...base.results, enabled: false } });
    },
    // Work-queue retention: the stream holds exactly the tasks not yet acknowledged.
    outstanding: async (queue) => (await jsm.streams.info(queueNames(queue).stream)).state.messages,
    async deleteQueue(queue) {
      const n = queueNames(queue);
      await deleteStreams(jsm, [n.stream, n.deadLetterStream, ...(defaults ? [`KV_${n.resultBucket}`] : [])]);
    },
    async producer(queue) {
      const client = new Client(nc, { queue });
      return {
        enqueue: async (p) => void (await client.enqueue(TASK, p)),
        enqueueBulk: async (ps) => void (await client.enqueueMany(TASK, ps.map((payload) => ({ payload })))),
        close: () => client.close(),
      };
    },
    async consume(queue, opts) {
      const task = defineTask(TASK, opts.handler);
      const tuned = { prefetch: opts.prefetch, results: false, heartbeatIntervalMs: 0 };
      const worker = new Worker(nc, { queue, tasks: [task], concurrency: opts.concurrency, logger: silent, ...(defaults ? {} : tuned) });
      await worker.start();
      // start() returns before the consume loop's first pull; raw's consume() has pulled by then.
      for (const deadline = Date.now() + 10_000; !worker.ready && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 2));
      return { completed: () => worker.completedCount, close: () => worker.close(5_000) };
    },
    close: () => nc.close(),
  };
}
