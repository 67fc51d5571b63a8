/**
 * `node bench/delays.ts [--quick]`: how late delayed tasks start. Celeriac only (a delayed task is
 * a nats-server schedule; the other systems' delays are a different mechanism, not measured here).
 *
 * - `delays-idle`: 4 delayed tasks a second, each due 2 s after its enqueue: the baseline.
 * - `delays-steady`: enqueue delayed tasks at 1,000/s for 60 s (10 s under --quick), each due 2 s
 *   after its enqueue; lateness = handler start minus its runAt.
 * - `delays-same-second`: 100,000 tasks (10,000 under --quick) all due at one instant, enqueued
 *   ahead of it; lateness of each, so the max says how long the server and one worker take to
 *   fire and run the lot.
 *
 * One nats-server (the pinned build, memory storage), one Worker in this process at concurrency
 * 100, results on (a delayed enqueue writes its `scheduled` record first). Lateness uses the wall
 * clock (runAt is a wall-clock time). Prints JSON lines like bench/run.ts, system `celeriac`.
 */
import { pino } from 'pino';
import { Client, Worker, defineTask } from 'celeriac';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { startNats } from '../test/support/nats.ts';
import { connectTo } from '../test/support/queue.ts';
import { summarizeLatency } from './stats.ts';

const quick = process.argv.includes('--quick');
/** Due this long after enqueue: far enough ahead that enqueueing never makes a task late. */
const AHEAD_MS = 2_000;
const STEADY = { name: 'delays-steady', perSecond: 1_000, seconds: quick ? 10 : 60 };
/** The baseline: a few tasks on an idle server, what one delayed task's lateness is without load. */
const IDLE = { name: 'delays-idle', perSecond: 4, seconds: quick ? 5 : 15 };
const SAME_SECOND = quick ? 10_000 : 100_000;
/** Enqueue calls of the same-second burst in flight at once: enough to keep the server busy, bounded memory. */
const BURST_WINDOW = 500;

interface Run {
  late: number[];
  runsPerTask: Map<number, number>;
}

const line = (scenario: string, metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ scenario, system: 'celeriac', metric, value: Math.round(value * 10) / 10, unit }));

const server = await startNats();
const nc = await connectTo(server.url);
const runs = new Map<string, Run>();
const task = defineTask('bench.delayed', (p: { run: string; i: number; runAt: number }) => {
  const r = runs.get(p.run);
  if (!r) return;
  r.late.push(Date.now() - p.runAt);
  r.runsPerTask.set(p.i, (r.runsPerTask.get(p.i) ?? 0) + 1);
});
const queue = 'bench-delays';
await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
const worker = new Worker(nc, { queue, tasks: [task], concurrency: 100, logger: pino({ level: 'warn' }), heartbeatIntervalMs: 0 });
await worker.start();
const client = new Client(nc, { queue });

async function until(run: Run, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (run.late.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_000)); // a task run twice would show up here
}

function report(scenario: string, run: Run, n: number, extra: Array<[string, number, string]>): void {
  const s = summarizeLatency(run.late);
  line(scenario, 'late-p50', s.p50, 'ms');
  line(scenario, 'late-p99', s.p99, 'ms');
  line(scenario, 'late-max', s.max, 'ms');
  line(scenario, 'early', run.late.filter((l) => l < 0).length, 'tasks');
  line(scenario, 'duplicates', [...run.runsPerTask.values()].filter((c) => c > 1).length, 'tasks');
  line(scenario, 'missing', n - run.runsPerTask.size, 'tasks');
  for (const [metric, value, unit] of extra) line(scenario, metric, value, unit);
}

async function paced(rate: { name: string; perSecond: number; seconds: number }): Promise<void> {
  const run: Run = { late: [], runsPerTask: new Map() };
  runs.set(rate.name, run);
  const n = rate.perSecond * rate.seconds;
  const pending: Promise<unknown>[] = [];
  const t0 = Date.now();
  let sent = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((Date.now() - t0) * rate.perSecond) / 1000));
    const items = [];
    for (; sent < due; sent++) {
      const runAt = Date.now() + AHEAD_MS;
      items.push({ payload: { run: rate.name, i: sent, runAt }, runAt });
    }
    if (items.length > 0) pending.push(client.enqueueMany(task, items));
    await new Promise((r) => setTimeout(r, 5));
  }
  const achieved = n / ((Date.now() - t0) / 1000);
  await Promise.all(pending);
  await until(run, n, AHEAD_MS + 60_000);
  report(rate.name, run, n, [['offered-rate', achieved, 'tasks/s']]);
}

async function sameSecond(): Promise<void> {
  const run: Run = { late: [], runsPerTask: new Map() };
  runs.set('burst', run);
  // Due once every task is surely enqueued (at a conservative 1,000/s), plus 2 s.
  const runAt = Date.now() + Math.ceil(SAME_SECOND / 1_000) * 1_000 + AHEAD_MS;
  const t0 = Date.now();
  for (let start = 0; start < SAME_SECOND; start += BURST_WINDOW) {
    const items = [];
    for (let i = start; i < Math.min(SAME_SECOND, start + BURST_WINDOW); i++) items.push({ payload: { run: 'burst', i, runAt }, runAt });
    await client.enqueueMany(task, items);
  }
  const enqueuedMs = Date.now() - t0;
  if (Date.now() >= runAt) throw new Error(`enqueue took ${enqueuedMs} ms, past the due time: lateness would be meaningless`);
  await until(run, SAME_SECOND, runAt - Date.now() + 120_000);
  report('delays-same-second', run, SAME_SECOND, [
    ['tasks', SAME_SECOND, 'tasks'],
    ['enqueue-rate', SAME_SECOND / (enqueuedMs / 1000), 'tasks/s'],
  ]);
}

try {
  await paced(IDLE);
  await paced(STEADY);
  await sameSecond();
} finally {
  await worker.close(5_000);
  await client.close();
  await nc.close();
  await server.stop();
}
