import { Queue, Worker } from 'bullmq';
import type { BenchPayload } from '../payload.ts';
import type { Endpoints, System } from './system.ts';

const JOB = 'bench.task';

/**
 * BullMQ as its docs show it: `Queue.add` / `addBulk`, a `Worker` with a concurrency. Base: completed
 * and failed jobs are removed, as a work queue removes acked tasks. `keepCompleted`: BullMQ's own
 * default, every completed job kept in Redis with its return value (the like-for-like comparison
 * with Celeriac's results on); the queue is obliterated after each run all the same.
 */
export async function openBullMQ(endpoints: Endpoints, keepCompleted = false): Promise<System> {
  if (!endpoints.redis) throw new Error('bullmq needs a Redis server');
  const connection = { host: endpoints.redis.host, port: endpoints.redis.port };
  const queues = new Map<string, Queue>();
  const queueFor = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, ...(keepCompleted ? {} : { defaultJobOptions: { removeOnComplete: true, removeOnFail: true } }) });
      queues.set(name, q);
    }
    return q;
  };
  return {
    name: 'bullmq',
    variant: keepCompleted ? 'keep-completed' : undefined,
    async createQueue(queue) {
      await queueFor(queue).waitUntilReady();
    },
    async outstanding(queue) {
      const c = await queueFor(queue).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async deleteQueue(queue) {
      const q = queueFor(queue);
      await q.obliterate({ force: true });
      await q.close();
      queues.delete(queue);
    },
    async producer(queue) {
      const q = queueFor(queue);
      await q.waitUntilReady();
      return {
        enqueue: async (p: BenchPayload) => void (await q.add(JOB, p)),
        enqueueBulk: async (ps) => void (await q.addBulk(ps.map((data) => ({ name: JOB, data })))),
        close: async () => undefined,
      };
    },
    async consume(queue, opts) {
      let completed = 0;
      const worker = new Worker<BenchPayload>(queue, async (job) => opts.handler(job.data), { connection, concurrency: opts.concurrency });
      worker.on('completed', () => completed++);
      await worker.waitUntilReady();
      return { completed: () => completed, close: () => worker.close() };
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
