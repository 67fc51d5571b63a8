import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { FastBatchPublisher, type BatchItem } from '../../worker-runtime/src/client/fast-batch.ts';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/**
 * Fast batch publish (nats-server 2.14, `allow_batched`), the worker's path for a turn's result
 * records: what the server stores is what the batch's answer says, and what it did not store is
 * handed back, never reported stored.
 */
describe('fast batches on a real nats-server', () => {
  const nats = useNats();

  async function bucket(opts: { batched: boolean; maxBytes?: number }) {
    const name = uniqueQueue('fb');
    await new Kvm(nats.nc).create(name, { history: 1, ...(opts.maxBytes ? { max_bytes: opts.maxBytes } : {}) });
    const jsm = await jetstreamManager(nats.nc);
    if (opts.batched) await jsm.streams.update(`KV_${name}`, { allow_batched: true });
    const stored = async () => (await jsm.streams.info(`KV_${name}`)).state.messages;
    return { name, stored };
  }

  /** Sends `n` records of `size` bytes in one batch; resolves with each item's outcome and what was handed back. */
  async function sendBatch(name: string, n: number, size = 100) {
    const outcomes: (Error | undefined | 'pending')[] = Array.from({ length: n }, () => 'pending');
    const handedBack: number[] = [];
    let why = '';
    const publisher = new FastBatchPublisher(nats.nc, 5_000, (items, reason) => {
      why = reason;
      for (const item of items) handedBack.push(Number(item.subject.split('.').pop()));
    });
    const items: BatchItem[] = Array.from({ length: n }, (_, i) => ({ subject: `$KV.${name}.${i}`, data: 'x'.repeat(size), done: (err) => (outcomes[i] = err) }));
    publisher.send(items);
    const deadline = Date.now() + 5_000;
    while (outcomes.filter((o) => o !== 'pending').length + handedBack.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    publisher.close();
    return { outcomes, handedBack, why };
  }

  it('stores every message of a batch and reports each stored once, from one answer', async () => {
    const b = await bucket({ batched: true });
    const { outcomes, handedBack } = await sendBatch(b.name, 300);
    expect(handedBack).toEqual([]);
    expect(outcomes.every((o) => o === undefined)).toBe(true);
    expect(await b.stored()).toBe(300);
  });

  it('hands every message back, with the server\'s reason, when the stream takes no batches', async () => {
    const b = await bucket({ batched: false });
    const { outcomes, handedBack, why } = await sendBatch(b.name, 5);
    expect(handedBack).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes.every((o) => o === 'pending')).toBe(true); // left to the one-by-one path
    expect(why).toMatch(/batch/i);
    expect(await b.stored()).toBe(0);
  });

  it('reports stored only what was stored before a refused message, and hands the rest back', async () => {
    // Room for about three 100-byte records (each stored with its subject and headers): the
    // bucket discards new ones past its size, so the batch ends at the first refused record.
    const b = await bucket({ batched: true, maxBytes: 480 });
    const { outcomes, handedBack } = await sendBatch(b.name, 10);
    const stored = await b.stored();
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(10);
    expect(outcomes.slice(0, stored).every((o) => o === undefined)).toBe(true);
    expect(outcomes.slice(stored).every((o) => o === 'pending')).toBe(true);
    expect(handedBack).toEqual(Array.from({ length: 10 - stored }, (_, i) => stored + i));
  });

  it('hands a batch back when no answer comes in time (as when a new stream leader resets it and waits for a resend)', async () => {
    // A plain subscriber on the subject: the messages are delivered, and nobody answers.
    const sub = nats.nc.subscribe('fb.silent.>');
    const handedBack: string[] = [];
    let why = '';
    const outcomes: (Error | undefined | 'pending')[] = ['pending', 'pending'];
    const publisher = new FastBatchPublisher(nats.nc, 200, (items, reason) => {
      why = reason;
      handedBack.push(...items.map((i) => i.subject));
    });
    try {
      publisher.send([0, 1].map((i) => ({ subject: `fb.silent.${i}`, data: '{}', done: (err: Error | undefined) => (outcomes[i] = err) })));
      await waitFor(() => handedBack.length === 2, { what: 'the batch handed back', timeoutMs: 5_000 });
      expect(handedBack).toEqual(['fb.silent.0', 'fb.silent.1']);
      expect(why).toMatch(/no batch ack within 200 ms/);
      expect(outcomes).toEqual(['pending', 'pending']); // left to the one-by-one path, not failed
      expect(publisher.inFlight).toBe(0);
    } finally {
      publisher.close();
      sub.unsubscribe();
    }
  });

  it('a queue set up by ensureQueue takes batches, and a worker whose bucket stops taking them still stores every record', async () => {
    const queue = uniqueQueue('fbq');
    await createQueue(nats.nc, queue, { results: { enabled: true, ttlMs: 60_000, maxBytes: 0 } });
    const jsm = await jetstreamManager(nats.nc);
    const bucketStream = `KV_${queueNames(queue).resultBucket}`;
    expect((await jsm.streams.info(bucketStream)).config.allow_batched).toBe(true);
    const double = defineTask('double', (p: { i: number }) => p.i * 2);
    const worker = new Worker(nats.nc, { queue, tasks: [double], concurrency: 50, heartbeatIntervalMs: 0, logger: testLogger });
    const client = new Client(nats.nc, { queue });
    try {
      await worker.start(); // the worker has read the bucket's config: batches on
      await jsm.streams.update(bucketStream, { allow_batched: false });
      const handles = await client.enqueueMany(double, Array.from({ length: 300 }, (_, i) => ({ payload: { i } })));
      await waitFor(async () => (await jsm.streams.info(queueNames(queue).stream)).state.messages === 0, { what: 'every task acked', timeoutMs: 20_000 });
      for (const [i, h] of handles.entries()) expect(await h.status()).toMatchObject({ state: 'succeeded', result: i * 2 });
    } finally {
      await worker.close(1_000);
      await client.close();
    }
  });
});
