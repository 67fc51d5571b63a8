/**
 * `node bench/key-concurrency.ts`: what a per-key concurrency limit costs and how well it uses
 * its slots. Celeriac only; one nats-server (the pinned build, memory storage), workers in this
 * process on their own connections, results on. Prints JSON lines like bench/run.ts.
 *
 * - `keyconc-overhead`: 3,000 no-op tasks at concurrency 16, each with its own key (limit 1,
 *   never full), or over 8 keys of 4 slots (never full, slots reused), against the same tasks
 *   without a limit: the price of taking and freeing a slot.
 * - `keyconc-one-key`: 40 tasks of 100 ms, one key, limit 2, 4 workers x concurrency 4: the
 *   ideal span is 2.0 s (two at a time); utilisation = busy slot time / (2 x span from the first
 *   start to the last end); hand-backs counted.
 * - `keyconc-other-key`: 200 tasks of 100 ms for tenant A (limit 2) enqueued first, then 10 for
 *   tenant B: how long B's tasks wait to start behind A's full key.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { pino } from 'pino';
import { Client, Worker, defineTask, type TaskDefinition } from 'celeriac';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { scheduleSubject } from 'celeriac/protocol';
import { startNats } from '../test/support/nats.ts';
import { connectTo } from '../test/support/queue.ts';
import { summarizeLatency } from './stats.ts';

const log = pino({ level: 'warn' });
const nats = await startNats();
const nc = await connectTo(nats.url);
const emit = (scenario: string, metric: string, value: number, unit: string, variant?: string) =>
  console.log(JSON.stringify({ scenario, system: 'celeriac', metric, value: Math.round(value * 100) / 100, unit, ...(variant ? { variant } : {}) }));

let n = 0;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
async function withQueue(tasks: TaskDefinition<any, any>[], workers: number, concurrency: number, fn: (client: Client, queue: string, workers: Worker[]) => Promise<void>, before?: (client: Client) => Promise<void>): Promise<void> {
  const queue = `keyconc-bench-${++n}`;
  await ensureQueue(nc, defaultQueueSettings(queue, { storage: 'memory' }));
  const client = new Client(nc, { queue });
  await before?.(client);
  const conns: NatsConnection[] = [];
  const ws: Worker[] = [];
  for (let i = 0; i < workers; i++) {
    const c = await connectTo(nats.url);
    conns.push(c);
    const w = new Worker(c, { queue, tasks, concurrency, logger: log, heartbeatIntervalMs: 0 });
    await w.start();
    ws.push(w);
  }
  try {
    await fn(client, queue, ws);
  } finally {
    await Promise.all(ws.map((w) => w.close(2_000)));
    await Promise.all(conns.map((c) => c.close()));
  }
}

async function overhead(): Promise<void> {
  const COUNT = 3_000;
  const plain = defineTask('kc.plain', (p: { k: string }) => p.k);
  const keyed = defineTask('kc.keyed', (p: { k: string }) => p.k, { concurrency: { key: (p) => p.k, limit: 1 } });
  // 8 keys of 4 slots for 16 running tasks: never full, but every slot is reused (its delete marker read first).
  const shared = defineTask('kc.shared', (p: { k: string }) => p.k, { concurrency: { key: (p) => String(Number(p.k.slice(1)) % 8), limit: 4 } });
  for (const [variant, task] of [
    ['no-limit', plain],
    ['own-key', keyed],
    ['reused-keys', shared],
  ] as const) {
    // Enqueued before the worker starts, then timed to the last completion: the worker's cost only.
    let t0 = 0;
    await withQueue(
      [task],
      1,
      16,
      async (_client, _queue, [worker]) => {
        while (worker!.completedCount < COUNT) await sleep(5);
        emit('keyconc-overhead', 'throughput', COUNT / ((performance.now() - t0) / 1000), 'tasks/s', variant);
      },
      async (client) => {
        await client.enqueueMany(task, Array.from({ length: COUNT }, (_, i) => ({ payload: { k: `k${i}` } })));
        t0 = performance.now();
      },
    );
  }
}

/** Counts the hand-backs of a queue: each is a publish to a `keywait-` schedule subject. */
function countHandbacks(queue: string): { count(): number; stop(): void } {
  let c = 0;
  const sub = nc.subscribe(scheduleSubject(queue, '>'), { callback: (_e, m) => {
      if (m.subject.includes('.keywait-')) c++;
    },
  });
  return { count: () => c, stop: () => sub.unsubscribe() };
}

async function oneKey(): Promise<void> {
  const COUNT = 40;
  const runs: Array<{ start: number; end: number }> = [];
  const task = defineTask(
    'kc.one',
    async () => {
      const start = performance.now();
      await sleep(100);
      runs.push({ start, end: performance.now() });
    },
    { concurrency: { limit: 2 } },
  );
  await withQueue([task], 4, 4, async (client, queue) => {
    const handbacks = countHandbacks(queue);
    const handles = await client.enqueueMany(task, Array.from({ length: COUNT }, () => ({ payload: {} })));
    await Promise.all(handles.map((h) => h.result({ timeoutMs: 120_000 })));
    // Busy slot time over the slots' time from the first start to the last end: 100 % = never idle.
    const span = Math.max(...runs.map((r) => r.end)) - Math.min(...runs.map((r) => r.start));
    const busy = runs.reduce((sum, r) => sum + r.end - r.start, 0);
    emit('keyconc-one-key', 'span', span, 'ms');
    emit('keyconc-one-key', 'utilisation', (100 * busy) / (2 * span), '%');
    emit('keyconc-one-key', 'handbacks', handbacks.count(), 'count');
    handbacks.stop();
  });
}

async function otherKey(): Promise<void> {
  const task = defineTask(
    'kc.tenant',
    async (p: { tenant: string; at: number }) => {
      const wait = Date.now() - p.at;
      await sleep(100);
      return wait;
    },
    { concurrency: { key: (p) => p.tenant, limit: 2 } },
  );
  await withQueue([task], 4, 4, async (client, queue) => {
    const handbacks = countHandbacks(queue);
    const a = await client.enqueueMany(task, Array.from({ length: 200 }, () => ({ payload: { tenant: 'a', at: Date.now() } })));
    const b = await client.enqueueMany(task, Array.from({ length: 10 }, () => ({ payload: { tenant: 'b', at: Date.now() } })));
    const waits = await Promise.all(b.map((h) => h.result({ timeoutMs: 120_000 })));
    const s = summarizeLatency(waits);
    emit('keyconc-other-key', 'b-start-p50', s.p50, 'ms');
    emit('keyconc-other-key', 'b-start-max', s.max, 'ms');
    await Promise.all(a.map((h) => h.result({ timeoutMs: 300_000 })));
    emit('keyconc-other-key', 'handbacks', handbacks.count(), 'count');
    handbacks.stop();
  });
}

try {
  await overhead();
  await oneKey();
  await otherKey();
} finally {
  await nc.close();
  await nats.stop();
}
