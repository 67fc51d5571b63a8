import { jetstream } from '@nats-io/jetstream';
import { headers, type Subscription } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask, listDeadLetters, type TaskDefinition, type WorkerOptions } from 'celeriac';
import { DEFAULTS } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/** Short beats: peers are heard within 2 x 100 ms, and a silent one is gone after 300 ms. */
const BEAT_MS = 100;

/**
 * A rolling upgrade in one process: an "old" worker without task X and a "new" one with it share
 * a queue. Every publish to the queue's task subjects (enqueues and hand-back copies) is watched
 * over core NATS, so a test can tell that a hand-back really happened.
 */
describe('tasks only some workers know (rolling upgrade)', () => {
  const nats = useNats();
  const workers: Worker[] = [];
  const clients: Client[] = [];
  const subs: Subscription[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(1000)));
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const s of subs.splice(0)) s.unsubscribe();
  });

  const other = defineTask('other', () => 'old');
  const x = defineTask('x', async (n: number, ctx) => {
    await new Promise((r) => setTimeout(r, 20));
    return { n, attempt: ctx.attempt };
  });

  async function setup() {
    const queue = uniqueQueue('unknown');
    await createQueue(nats.nc, queue);
    const client = new Client(nats.nc, { queue });
    clients.push(client);
    const handoffs: number[] = [];
    const copies: Array<Record<string, string>> = [];
    const sub = nats.nc.subscribe(`celeriac.${queue}.tasks.>`, {
      callback: (_, m) => {
        const h = m.headers?.get('Celeriac-Handoffs');
        if (!h) return;
        handoffs.push(Number(h));
        copies.push(Object.fromEntries([...(m.headers ?? [])].map(([k, v]) => [k, v.join(',')])));
      },
    });
    subs.push(sub);
    return { queue, client, handoffs, copies };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function startWorker(queue: string, name: string, tasks: TaskDefinition<any, any>[], opts: Partial<WorkerOptions> = {}) {
    const w = new Worker(nats.nc, { queue, name, tasks, logger: testLogger, heartbeatIntervalMs: BEAT_MS, ...opts });
    workers.push(w);
    await w.start();
    return w;
  }

  it('runs a task only the new worker knows on the new worker, as attempt 1, never dead-lettered', async () => {
    const { queue, client, handoffs } = await setup();
    // The old worker pulls more at once than the new one, so it surely receives some of the X tasks.
    const old = await startWorker(queue, 'old', [other], { concurrency: 4 });
    const fresh = await startWorker(queue, 'new', [x], { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 3 * BEAT_MS));
    const handles = await Promise.all(Array.from({ length: 20 }, (_, i) => client.enqueue(x, i, { idempotencyKey: `x-${queue}-${i}` })));
    const results = await Promise.all(handles.map((h) => h.result({ timeoutMs: 20_000 })));
    expect(results).toEqual(handles.map((_, i) => ({ n: i, attempt: 1 })));
    for (const h of handles) expect(await h.status()).toMatchObject({ state: 'succeeded', attempts: 1, id: h.id });
    expect(handoffs.length).toBeGreaterThan(0);
    expect(await old.metrics.registry.metrics()).toMatch(/celeriac_tasks_handed_back_total\{queue="[^"]+",task="x"\} [1-9]/);
    expect(fresh.completedCount).toBe(20);
    expect(old.completedCount).toBe(0);
    expect(await listDeadLetters(nats.nc, queue)).toEqual([]);
    // Idempotency survives the hand-backs: the same keys are still duplicates.
    const again = await Promise.all(Array.from({ length: 20 }, (_, i) => client.enqueue(x, i, { idempotencyKey: `x-${queue}-${i}` })));
    expect(again.map((h) => h.duplicate)).toEqual(again.map(() => true));
  });

  it('counts the attempts of earlier copies of a handed-back task into its attempt number', async () => {
    const { queue, client } = await setup();
    await startWorker(queue, 'new', [x]);
    // A copy as an old worker writes it for a task that had two deliveries before it was handed back.
    const h = headers();
    h.set('Celeriac-Id', 'handed-back-1');
    h.set('Celeriac-Handoffs', '1');
    h.set('Celeriac-Unknown-Since', String(Date.now()));
    h.set('Celeriac-Prior-Attempts', '2');
    await jetstream(nats.nc).publish(`celeriac.${queue}.tasks.x`, new TextEncoder().encode('7'), { headers: h });
    await client.result('handed-back-1', { queue, timeoutMs: 5000 });
    expect(await client.status('handed-back-1', { queue })).toMatchObject({ state: 'succeeded', attempts: 3, result: { n: 7, attempt: 3 } });
  });

  it('dead-letters a task no worker of the queue has registered, once the worker has heard its peers', async () => {
    const { queue, client, handoffs } = await setup();
    const startedAt = Date.now();
    await startWorker(queue, 'old', [other]);
    await client.enqueue(x, 1);
    const [dl] = await waitFor(() => listDeadLetters(nats.nc, queue).then((l) => (l.length > 0 ? l : undefined)), { timeoutMs: 5000, what: 'dead letter' });
    expect(dl).toMatchObject({ reason: 'unknown-task', attempts: 1 });
    expect(dl!.error).toContain('no worker of the queue has registered it');
    // Not before the warm-up: a worker that has not heard its peers cannot tell nobody knows X.
    expect(Date.parse(dl!.deadAt)).toBeGreaterThanOrEqual(startedAt + 2 * BEAT_MS);
    expect(handoffs).toEqual([]);
  });

  it('hands a task back while a departed worker that announced it may return, and dead-letters it after the grace period', async () => {
    const { queue, client, handoffs, copies } = await setup();
    const graceMs = 1500;
    await startWorker(queue, 'old', [other], { unknownTaskGraceMs: graceMs });
    const departed = await startWorker(queue, 'new', [x]);
    await new Promise((r) => setTimeout(r, 3 * BEAT_MS));
    await departed.close(1000);
    // Long enough for the old worker to count the new one gone: X is only "recently announced".
    await new Promise((r) => setTimeout(r, 4 * BEAT_MS));
    const enqueuedAt = Date.now();
    const handle = await client.enqueue(x, 1, { metadata: { tenant: 't1' } });
    const [dl] = await waitFor(() => listDeadLetters(nats.nc, queue).then((l) => (l.length > 0 ? l : undefined)), { timeoutMs: 10_000, what: 'dead letter' });
    expect(dl).toMatchObject({ reason: 'unknown-task', attempts: 1 });
    expect(dl!.error).toContain('grace period');
    expect(Date.parse(dl!.deadAt)).toBeGreaterThanOrEqual(enqueuedAt + graceMs);
    expect(handoffs.length).toBeGreaterThan(1);
    // After the free hand-backs the pause grows (250, 500, 1000 ms: past the 1.5 s grace), so
    // hand-backs are few, not a hot loop.
    expect(handoffs.length).toBeLessThanOrEqual(DEFAULTS.unknownTaskFreeHandoffs + 3);
    expect(dl!.headers?.get('Celeriac-Handoffs')).toBe(String(handoffs.length));
    // Every copy is the same task: its id, metadata and first-unknown time travel with it, and
    // each copy's dedupe id is derived from the message it replaces.
    expect(new Set(copies.map((c) => c['Celeriac-Id']))).toEqual(new Set([handle.id]));
    expect(new Set(copies.map((c) => c['Celeriac-Meta-tenant']))).toEqual(new Set(['t1']));
    expect(new Set(copies.map((c) => c['Celeriac-Unknown-Since'])).size).toBe(1);
    expect(copies.map((c) => c['Celeriac-Prior-Attempts'])).toEqual(copies.map(() => '0'));
    expect(copies.every((c) => c['Nats-Msg-Id']?.startsWith('handoff-'))).toBe(true);
    expect(await handle.status()).toMatchObject({ state: 'dead', attempts: 1 });
  });
});
