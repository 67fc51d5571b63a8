/**
 * `node bench/isolation.ts [--quick]`: what isolation costs per task (issue 15). The same no-op
 * task runs in-process (`isolation=none`), in a worker thread (`isolation=thread`) and in a child
 * process (`isolation=process`), each lane on its own queue and Worker:
 *
 * - `isolation-start`: how long `Worker.start()` takes, which for an isolated task includes
 *   starting one runner and importing the task's module in it (the pool's warm-up).
 * - `isolation-serial`: one task at a time at concurrency 1, enqueue then wait for its result
 *   (the lanes take turns, 10 rounds); `per-task` is the median round trip, and `overhead` its
 *   excess over `isolation=none`: what isolation adds to one task's latency (a message each way
 *   between the worker and its runner).
 * - `isolation-drain`: a backlog drained at concurrency 4 (4 warm runners), tasks/s.
 *
 * One nats-server (the pinned build, memory storage), results on, Workers in this process. Prints
 * JSON lines like bench/run.ts: {scenario, system: 'celeriac', metric, value, unit, variant}.
 */
import { pino } from 'pino';
import { Client, Worker, defineTask, type TaskDefinition } from 'celeriac';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { startNats } from '../test/support/nats.ts';
import { connectTo } from '../test/support/queue.ts';
import { noopProcess, noopThread } from '../test/support/isolated-tasks.ts';
import { summarizeLatency } from './stats.ts';

const quick = process.argv.includes('--quick');
const SERIAL = { warmup: 50, tasks: quick ? 300 : 1_500, rounds: 10 };
const DRAIN = { concurrency: 4, tasks: quick ? 2_000 : 10_000 };

const lanes: Array<{ variant: string; task: TaskDefinition<unknown, unknown> }> = [
  { variant: 'isolation=none', task: defineTask('iso.noop-inline', () => null) },
  { variant: 'isolation=thread', task: noopThread },
  { variant: 'isolation=process', task: noopProcess },
];

const line = (scenario: string, variant: string, metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ scenario, system: 'celeriac', metric, value: Math.round(value * 1000) / 1000, unit, variant }));

const server = await startNats();
const nc = await connectTo(server.url);
const log = pino({ level: 'warn' });

async function openLane(task: TaskDefinition<unknown, unknown>, queue: string, concurrency: number) {
  await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
  const worker = new Worker(nc, { queue, tasks: [task], concurrency, logger: log, heartbeatIntervalMs: 0 });
  const t0 = performance.now();
  await worker.start();
  return { worker, startMs: performance.now() - t0, client: new Client(nc, { queue }) };
}

/** The three lanes open at once and take turns in rounds, so the machine's load drifts over all alike. */
async function serial(): Promise<number[]> {
  const open = [];
  for (const [i, lane] of lanes.entries()) {
    const l = await openLane(lane.task, `bench-iso-serial-${i}`, 1);
    line('isolation-start', lane.variant, 'worker-start', l.startMs, 'ms');
    open.push(l);
  }
  const times: number[][] = lanes.map(() => []);
  const perRound = SERIAL.tasks / SERIAL.rounds;
  for (let round = -1; round < SERIAL.rounds; round++) {
    for (const [i, { client }] of open.entries()) {
      for (let n = 0; n < (round < 0 ? SERIAL.warmup : perRound); n++) {
        const t0 = performance.now();
        await (await client.enqueue(lanes[i]!.task, n)).result();
        // Round -1 warms every lane up (JIT, result watch) and is not counted.
        if (round >= 0) times[i]!.push(performance.now() - t0);
      }
    }
  }
  const p50s = [];
  for (const [i, lane] of lanes.entries()) {
    const s = summarizeLatency(times[i]!);
    line('isolation-serial', lane.variant, 'per-task', s.p50, 'ms');
    line('isolation-serial', lane.variant, 'per-task-p99', s.p99, 'ms');
    p50s.push(s.p50);
  }
  for (const l of open) {
    await l.client.close();
    await l.worker.close(5_000);
  }
  return p50s;
}

async function drain(task: TaskDefinition<unknown, unknown>, variant: string, i: number): Promise<void> {
  const queue = `bench-iso-drain-${i}`;
  await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
  const producer = new Client(nc, { queue });
  for (let n = 0; n < DRAIN.tasks; n += 500) await producer.enqueueMany(task, Array.from({ length: Math.min(500, DRAIN.tasks - n) }, (_, k) => ({ payload: n + k })));
  const { worker, client } = await openLane(task, queue, DRAIN.concurrency);
  const t0 = performance.now();
  while (worker.completedCount < DRAIN.tasks) await new Promise((r) => setTimeout(r, 10));
  line('isolation-drain', variant, 'throughput', DRAIN.tasks / ((performance.now() - t0) / 1000), 'tasks/s');
  await Promise.all([client.close(), producer.close()]);
  await worker.close(5_000);
}

try {
  const p50s = await serial();
  for (const [i, lane] of lanes.entries()) if (i > 0) line('isolation-serial', lane.variant, 'overhead', p50s[i]! - p50s[0]!, 'ms');
  for (const [i, lane] of lanes.entries()) await drain(lane.task, lane.variant, i);
} finally {
  await nc.close();
  await server.stop();
}
