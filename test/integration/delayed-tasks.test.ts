// Countdown, ETA and expiry on a real nats-server: a delayed task is a server-side schedule, not
// held by any worker, runs once no earlier than its time; an expired task never runs.
import { headers } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, ScheduleUnsupportedError, TaskFailedError, Worker, declareTask, defineTask } from 'celeriac';
import { scheduleSubject, taskSubject } from 'celeriac/protocol';
import { readQueueState } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const stamp = declareTask<{ tag: string }, number>('delay.stamp');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('delayed and expiring tasks', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** Runs of `delay.stamp` on this queue: the tag and when the handler started. */
  async function serve(queue: string, runs: Array<{ tag: string; at: number }>) {
    const impl = defineTask(stamp, (p) => {
      const at = Date.now();
      runs.push({ tag: p.tag, at });
      return at;
    });
    const worker = new Worker(nats.nc, { queue, tasks: [impl], logger: testLogger, heartbeatIntervalMs: 0 });
    await worker.start();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await worker.close(1000);
    };
    closers.push(close);
    return close;
  }

  /** A new queue with one worker running `delay.stamp`, and a client for it. */
  async function servedQueue() {
    const queue = uniqueQueue('delay');
    await createQueue(nats.nc, queue);
    const runs: Array<{ tag: string; at: number }> = [];
    await serve(queue, runs);
    return { queue, runs, client: new Client(nats.nc, { queue }) };
  }

  it('runs a delayed task once, no earlier than its time, and says scheduled with the time meanwhile', async () => {
    const { runs, client } = await servedQueue();
    const runAt = new Date(Date.now() + 1500);
    const handle = await client.enqueue(stamp, { tag: 'eta' }, { runAt });
    expect(await handle.status()).toMatchObject({ state: 'scheduled', runAt: runAt.getTime(), attempts: 0 });
    const startedAt = await handle.result({ timeoutMs: 10_000 });
    expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime());
    await sleep(500); // a second firing would show up here
    expect(runs.map((r) => r.tag)).toEqual(['eta']);
    expect(await handle.status()).toMatchObject({ state: 'succeeded' });
  });

  it('runs a delayed task enqueued twice with one idempotency key once', async () => {
    const { runs, client } = await servedQueue();
    const first = await client.enqueue(stamp, { tag: 'once' }, { delay: 800, idempotencyKey: 'invoice-42' });
    const again = await client.enqueueMany(stamp, [{ payload: { tag: 'once' }, delay: 800, idempotencyKey: 'invoice-42' }]);
    expect(again[0]!.id).toBe(first.id);
    expect(again[0]!.duplicate).toBe(true);
    await first.result({ timeoutMs: 10_000 });
    await sleep(1500);
    expect(runs).toHaveLength(1);
  });

  it('keeps a delayed task in the stream, not in a worker, across a worker restart', async () => {
    const queue = uniqueQueue('delay');
    await createQueue(nats.nc, queue);
    const runs: Array<{ tag: string; at: number }> = [];
    const closeFirst = await serve(queue, runs);
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(stamp, { tag: 'restart' }, { delay: 1500 });
    await sleep(500); // a task due now would have run by now
    expect(runs).toHaveLength(0);
    await closeFirst(); // the only worker goes away while the task waits
    await sleep(1300); // the task is due with no worker running
    expect(runs).toHaveLength(0);
    await serve(queue, runs);
    await handle.result({ timeoutMs: 10_000 });
    await sleep(300);
    expect(runs.map((r) => r.tag)).toEqual(['restart']);
  });

  it('runs a task scheduled by one plain NATS publish, as docs/protocol.md describes', async () => {
    const queue = uniqueQueue('delay');
    await createQueue(nats.nc, queue);
    const runs: Array<{ tag: string; at: number }> = [];
    await serve(queue, runs);
    const runAt = Date.now() + 1000;
    const h = headers();
    h.set('Celeriac-Id', 'from-cli-1');
    h.set('Nats-Schedule', `@at ${new Date(runAt).toISOString()}`);
    h.set('Nats-Schedule-Target', taskSubject(queue, 'delay.stamp'));
    const ack = await nats.nc.request(scheduleSubject(queue, 'from-cli-1'), JSON.stringify({ tag: 'cli' }), { headers: h, timeout: 5000 });
    expect(ack.json<{ seq?: number }>().seq).toBeGreaterThan(0);
    const startedAt = await new Client(nats.nc).result<number>('from-cli-1', { queue, timeoutMs: 10_000 });
    expect(startedAt).toBeGreaterThanOrEqual(runAt);
    expect(runs.map((r) => r.tag)).toEqual(['cli']);
  });

  it('never runs a task that expired before a worker took it, and records expired', async () => {
    const queue = uniqueQueue('expire');
    await createQueue(nats.nc, queue);
    const client = new Client(nats.nc, { queue });
    const stale = await client.enqueue(stamp, { tag: 'stale' }, { ttl: 300 });
    const fresh = await client.enqueue(stamp, { tag: 'fresh' }, { ttl: 60_000 });
    // Delayed: the fired task carries the schedule's Celeriac-Expires-At (ttl counts from enqueue).
    const late = await client.enqueue(stamp, { tag: 'late' }, { delay: 200, ttl: 400 });
    expect(await late.status()).toMatchObject({ state: 'scheduled', expiresAt: expect.any(Number) as number });
    await sleep(700); // no worker yet: the expiry of 'stale' and of 'late' passes while they wait
    const runs: Array<{ tag: string; at: number }> = [];
    await serve(queue, runs);
    await fresh.result({ timeoutMs: 10_000 });
    const err = await stale.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).state).toBe('expired');
    expect(await stale.status()).toMatchObject({ state: 'expired', attempts: 0, expiresAt: expect.any(Number) as number });
    expect(await late.status()).toMatchObject({ state: 'expired' });
    expect(runs.map((r) => r.tag)).toEqual(['fresh']);
    // Termed, not dead-lettered or left for redelivery.
    await waitFor(async () => {
      const state = await readQueueState(nats.nc, queue);
      return state.pending === 0 && state.ackPending === 0 && state.deadLetters === 0;
    }, { what: 'the expired task gone from the queue, with no dead letter' });
  });

  it('refuses a delayed task on a queue whose stream cannot hold schedules, publishing nothing', async () => {
    const queue = uniqueQueue('nosched');
    await createQueue(nats.nc, queue, { maxMessages: 1000, discard: 'new' });
    const client = new Client(nats.nc, { queue });
    const err = await client.enqueue(stamp, { tag: 'x' }, { delay: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleUnsupportedError);
    expect((err as Error).message).toMatch(`queue ${queue} cannot hold delayed tasks: the queue has a count or size limit with discard new`);
    // A task due now still goes through.
    expect((await client.enqueue(stamp, { tag: 'now' })).seq).toBeGreaterThan(0);
  });
});
