/**
 * A/B drain of no-op tasks, the Worker with its defaults (results on) against raw consume+ack, in
 * turns on one nats-server, each drain in this one process so `node --cpu-prof` profiles the
 * Worker alone. For working on the results-on path: `bench/run.ts` is the comparison of record.
 *
 *   node bench/drain-ab.ts [--tasks 50000] [--concurrency 100] [--rounds 3] [--prefetch N]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/drain-ab.ts --only celeriac
 *
 * Prints one JSON line per drain ({lane, concurrency, rate, cpuUsPerTask}) and the median ratio.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Client, Worker, declareTask, defineTask } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { startNats } from '../test/support/nats.ts';
import { makePayload, type BenchPayload } from './payload.ts';
import { median } from './stats.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    prefetch: { type: 'string' },
    only: { type: 'string' },
  },
});
const n = Number(values.tasks);
const concurrency = Number(values.concurrency);
const prefetch = values.prefetch === undefined ? undefined : Number(values.prefetch);
const TASK = declareTask<BenchPayload, void>('bench.task');

/** Drains `n` preloaded tasks with the Worker as a user gets it; tasks/s and CPU µs per task. */
async function drainCeleriac(nc: NatsConnection, jsm: JetStreamManager, queue: string): Promise<{ rate: number; cpu: number; serverCpu: number }> {
  await ensureQueue(nc, defaultQueueSettings(queue));
  const client = new Client(nc, { queue });
  for (let i = 0; i < n; i += 1000) await client.enqueueMany(TASK, Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ payload: makePayload(i + j) })));
  await client.close();
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  const task = defineTask(TASK, () => {
    if (++done === n) finished();
  });
  const worker = new Worker(nc, { queue, tasks: [task], concurrency, prefetch, logger: pino({ level: 'silent' }) });
  const server0 = serverCpuUs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await worker.start();
  await all;
  // Done means acked: wait for the last records' acks, as the bench's rate runs to the last ack.
  while (worker.completedCount < n) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = (serverCpuUs() - server0) / n;
  await worker.close();
  const names = queueNames(queue);
  for (const s of [names.stream, names.deadLetterStream, `KV_${names.resultBucket}`]) await jsm.streams.delete(s).catch(() => undefined);
  return { rate: (n * 1000) / ms, cpu: (cpu.user + cpu.system) / n, serverCpu };
}

/** The same drain by hand: consume() with an inline ack per message, as bench/systems/raw-jetstream.ts. */
async function drainRaw(nc: NatsConnection, jsm: JetStreamManager, queue: string): Promise<{ rate: number; cpu: number; serverCpu: number }> {
  const stream = `RAW_${queue.toUpperCase()}`;
  await jsm.streams.add({ name: stream, subjects: [`raw.${queue}`], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'c', ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 });
  const js = jetstream(nc);
  for (let i = 0; i < n; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, j) => js.publish(`raw.${queue}`, JSON.stringify(makePayload(i + j)))));
  const server0 = serverCpuUs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const messages = await (await js.consumers.get(stream, 'c')).consume({ max_messages: Math.max(concurrency, 100) });
  let done = 0;
  for await (const m of messages) {
    m.json<BenchPayload>();
    m.ack();
    if (++done === n) break;
  }
  await nc.flush();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = (serverCpuUs() - server0) / n;
  await jsm.streams.delete(stream);
  return { rate: (n * 1000) / ms, cpu: (cpu.user + cpu.system) / n, serverCpu };
}

const server = await startNats();
const serverPid = Number(execFileSync('pgrep', ['-f', dirname(server.storeDir)]).toString().trim().split('\n')[0]);
/** The server's CPU time so far in µs (utime + stime, in clock ticks of 10 ms). */
function serverCpuUs(): number {
  const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
const nc = await connect({ servers: server.url });
const jsm = await jetstreamManager(nc);
const rates: Record<string, number[]> = { celeriac: [], raw: [] };
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const lane of ['celeriac', 'raw'] as const) {
      if (values.only && values.only !== lane) continue;
      const queue = `ab${round}${lane}`;
      const r = lane === 'celeriac' ? await drainCeleriac(nc, jsm, queue) : await drainRaw(nc, jsm, queue);
      rates[lane]?.push(r.rate);
      console.log(JSON.stringify({ lane, concurrency, tasks: n, rate: Math.round(r.rate), cpuUsPerTask: Math.round(r.cpu), serverCpuUsPerTask: Math.round(r.serverCpu) }));
    }
  }
  if (!values.only) console.log(JSON.stringify({ ratio: Number((median(rates.celeriac ?? []) / median(rates.raw ?? [])).toFixed(2)) }));
} finally {
  await nc.close();
  await server.stop();
}
