import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask, type TaskDefinition } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { useNats } from '../support/use-nats.ts';
import { connectTo, createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/**
 * The worker's result path: a succeeded task's record goes out on the pipelined publish path
 * (results.ts `record`) and the task is acked only once JetStream has stored it.
 */
describe('result records before acks, on a real nats-server', () => {
  const nats = useNats();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(tasks: TaskDefinition<any, any>[], opts: { maxBytes?: number; concurrency?: number; nc?: NatsConnection } = {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
    const queue = uniqueQueue('res');
    await createQueue(nats.nc, queue, { results: { enabled: true, ttlMs: 60_000, maxBytes: opts.maxBytes ?? 0 } });
    const client = new Client(nats.nc, { queue });
    const worker = new Worker(opts.nc ?? nats.nc, { queue, tasks, logger: testLogger, concurrency: opts.concurrency ?? 10, heartbeatIntervalMs: 0 });
    cleanup.push(() => client.close(), () => worker.close(1000));
    await worker.start();
    return { queue, client, worker };
  }

  const storedTasks = async (queue: string) => (await (await jetstreamManager(nats.nc)).streams.info(queueNames(queue).stream)).state.messages;

  it('leaves a task queued, unacked, while its result bucket refuses the record, and records it once the bucket takes it', async () => {
    let runs = 0;
    const big = defineTask('big', () => {
      runs++;
      return 'x'.repeat(2_000);
    });
    // 1 KiB with discard new: the server refuses the 2 KB record ("maximum bytes exceeded").
    const { queue, client } = await start([big], { maxBytes: 1024 });
    const handle = await client.enqueue(big, {});
    await waitFor(() => runs >= 2, { what: 'a redelivery after the refused record' });
    expect(await storedTasks(queue)).toBe(1);
    expect(await handle.status()).toBeUndefined();
    const jsm = await jetstreamManager(nats.nc);
    const bucket = `KV_${queueNames(queue).resultBucket}`;
    const { config } = await jsm.streams.info(bucket);
    await jsm.streams.update(bucket, { ...config, max_bytes: -1 });
    expect(await handle.result({ timeoutMs: 10_000 })).toBe('x'.repeat(2_000));
    await waitFor(async () => (await storedTasks(queue)) === 0, { what: 'the task acked' });
  });

  it('runs no task whose started record the bucket refuses, and runs it once the bucket takes it', async () => {
    let runs = 0;
    const tracked = defineTask('tracked', () => ++runs, { trackStarted: true });
    // 64 bytes with discard new: the server refuses even the ~150-byte `started` record.
    const { queue, client } = await start([tracked], { maxBytes: 64 });
    const handle = await client.enqueue(tracked, {});
    await new Promise((r) => setTimeout(r, 2_500)); // the first delivery and a redelivery after nak(1 s)
    expect(runs).toBe(0);
    const jsm = await jetstreamManager(nats.nc);
    const bucket = `KV_${queueNames(queue).resultBucket}`;
    const { config } = await jsm.streams.info(bucket);
    await jsm.streams.update(bucket, { ...config, max_bytes: -1 });
    expect(await handle.result({ timeoutMs: 10_000 })).toBe(1);
    expect(runs).toBe(1);
  });

  it('stores the final record of every task, in the order the tasks finished, after a started record', async () => {
    const n = 2_000;
    const square = defineTask('square', (p: { i: number }) => p.i * p.i, { trackStarted: true });
    const { queue, client } = await start([square], { concurrency: 1 });
    const handles = await client.enqueueMany(square, Array.from({ length: n }, (_, i) => ({ payload: { i } })));
    await waitFor(async () => (await storedTasks(queue)) === 0, { what: 'every task acked', timeoutMs: 30_000 });
    const kv = await new Kvm(nats.nc).open(queueNames(queue).resultBucket);
    let previous = 0;
    for (const [i, h] of handles.entries()) {
      const entry = await kv.get(h.id);
      const record = entry?.json<{ state: string; result: number }>();
      // The `started` record went first on the same connection: history 1 keeps only the last.
      expect(record).toMatchObject({ state: 'succeeded', result: i * i });
      // One at a time: task i finished before task i+1, and so was its record stored.
      expect(entry!.revision).toBeGreaterThan(previous);
      previous = entry!.revision;
    }
  });

  it('close() waits for the acks of records still in flight, then acks their tasks', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: nats.server.port });
    const nc = await connectTo(`nats://127.0.0.1:${proxy.port}`);
    cleanup.push(() => proxy.close(), () => nc.close());
    let running = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated = defineTask('gated', async () => {
      running++;
      await gate;
      return 'done';
    });
    const { queue, client, worker } = await start([gated], { nc, concurrency: 20 });
    const handles = await client.enqueueMany(gated, Array.from({ length: 20 }, () => ({ payload: {} })));
    await waitFor(() => running === 20, { what: 'every task running' });
    proxy.hold(); // from here the worker's records reach the server, but no ack comes back
    open();
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const closing = worker.close(10_000).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(closed).toBe(false); // handlers are done, their records are not acknowledged yet
    proxy.release();
    await closing;
    // Every task acked once its record was stored: none handed back, none left for redelivery.
    expect(await storedTasks(queue)).toBe(0);
    for (const h of handles) expect(await h.status()).toMatchObject({ state: 'succeeded', result: 'done' });
  });
});
