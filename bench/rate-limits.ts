/**
 * `node bench/rate-limits.ts [--quick]`: how closely a queue-wide rate limit holds across
 * workers, and what it costs in counter requests. Celeriac only.
 *
 * - `rate-limit-100`: limit 100/s, a backlog of 1,000 tasks (500 quick), three workers.
 * - `rate-limit-1000`: limit 1,000/s, a backlog of 10,000 tasks (5,000 quick), three workers.
 *
 * One nats-server (pinned build, memory storage), three Workers in this process, each on its own
 * connection (each takes its own tokens, as pods do), concurrency 32, results on, handlers that
 * note their start time.
 * Starts are counted per fixed 1 s window (the limit's own windows) and per sliding 1 s interval;
 * the first and last windows are partial and left out of `fill` (the mean of full windows as a
 * share of the limit). `increments` is the counter stream's message count: token requests made.
 * Prints JSON lines like bench/run.ts, system `celeriac`.
 */
import { pino } from 'pino';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client, Worker, defineTask } from 'celeriac';
import { defaultQueueSettings, ensureQueue, rateCounterStreamName } from 'celeriac/topology';
import { startNats } from '../test/support/nats.ts';
import { connectTo, waitFor } from '../test/support/queue.ts';
import { maxStartsInAnyPeriod, startsPerWindow, type StartMark } from '../test/support/rate-limit-tasks.ts';

const quick = process.argv.includes('--quick');
const ALL_SCENARIOS = [
  { name: 'rate-limit-100', perSecond: 100, tasks: quick ? 500 : 1_000 },
  { name: 'rate-limit-1000', perSecond: 1_000, tasks: quick ? 5_000 : 10_000 },
];
const SCENARIOS = process.env.RL_ONLY ? ALL_SCENARIOS.filter((s) => s.name === process.env.RL_ONLY) : ALL_SCENARIOS;
const WORKERS = 3;

const line = (scenario: string, metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ scenario, system: 'celeriac', metric, value: Math.round(value * 10) / 10, unit }));

const server = await startNats();
const nc = await connectTo(server.url);
const log = pino({ level: 'warn' });
// Starts are recorded here, not read back as results: 10,000 result waits would be 10,000 KV watches.
let marks: StartMark[] = [];
const task = defineTask('bench.limited', (_p: { i: number }, ctx) => {
  marks.push({ startedAt: Date.now(), attempt: ctx.attempt });
});
try {
  for (const s of SCENARIOS) {
    const queue = `bench-${s.name}`;
    await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
    const client = new Client(nc, { queue });
    await client.setRateLimit({ perSecond: s.perSecond });
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const wnc = await connectTo(server.url);
        const w = new Worker(wnc, { queue, tasks: [task], concurrency: 32, logger: log, heartbeatIntervalMs: 0 });
        await w.start();
        return { w, wnc };
      }),
    );
    marks = [];
    await client.enqueueMany(task, Array.from({ length: s.tasks }, (_, i) => ({ payload: { i } })));
    await waitFor(() => marks.length >= s.tasks, { timeoutMs: 120_000, what: 'every task started' });
    const windows = [...startsPerWindow(marks, 1000).entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
    const full = windows.slice(1, -1);
    const increments = (await (await jetstreamManager(nc)).streams.info(rateCounterStreamName(queue))).state.last_seq;
    line(s.name, 'limit', s.perSecond, 'tasks/s');
    line(s.name, 'busiest-window', Math.max(...windows), 'tasks');
    line(s.name, 'busiest-sliding-1s', maxStartsInAnyPeriod(marks, 1000), 'tasks');
    line(s.name, 'fill', full.length > 0 ? (100 * full.reduce((a, b) => a + b, 0)) / full.length / s.perSecond : 0, '%');
    line(s.name, 'windows-over-limit', windows.filter((n) => n > s.perSecond).length, 'windows');
    line(s.name, 'increments-per-100-tasks', (100 * increments) / s.tasks, 'requests');
    line(s.name, 'repeat-attempts', marks.filter((m) => m.attempt !== 1).length, 'tasks');
    for (const { w, wnc } of workers) {
      await w.close(5_000);
      await wnc.close();
    }
  }
} finally {
  await nc.close();
  await server.stop();
}
