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

/** Our Client and Worker, results off, file storage: the configuration the targets are set for. */
export async function openCeleriac(endpoints: Endpoints): Promise<System> {
  const nc = await connect({ servers: endpoints.natsUrl });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  return {
    name: 'celeriac',
    async createQueue(queue) {
      const base = defaultQueueSettings(queue);
      await ensureQueue(nc, { ...base, storage: 'file', results: { ...base.results, enabled: false } });
    },
    // Work-queue retention: the stream holds exactly the tasks not yet acknowledged.
    outstanding: async (queue) => (await jsm.streams.info(queueNames(queue).stream)).state.messages,
    async deleteQueue(queue) {
      const n = queueNames(queue);
      await deleteStreams(jsm, [n.stream, n.deadLetterStream]);
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
      const worker = new Worker(nc, {
        queue,
        tasks: [task],
        concurrency: opts.concurrency,
        prefetch: opts.prefetch,
        results: false,
        heartbeatIntervalMs: 0,
        logger: silent,
      });
      await worker.start();
      // start() returns before the consume loop's first pull; raw's consume() has pulled by then.
      for (const deadline = Date.now() + 10_000; !worker.ready && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 2));
      return { completed: () => worker.completedCount, close: () => worker.close(5_000) };
    },
    close: () => nc.close(),
  };
}
