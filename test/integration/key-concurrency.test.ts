// Per-key concurrency limits on a real nats-server, with several workers each on its own
// connection: a tenant never has more than its limit running, waiting costs no attempt, tenants
// are independent, and the enqueue's key wins over the key function.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { Client, Worker, defineTask, type TaskDefinition } from 'celeriac';
import { DEFAULTS, readQueueState, slotBucketName } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { connectTo, createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/** Counts the handlers running per key, and the most ever seen at once. */
class RunningCounter {
  readonly now = new Map<string, number>();
  readonly max = new Map<string, number>();
  enter(key: string): void {
    const n = (this.now.get(key) ?? 0) + 1;
    this.now.set(key, n);
    this.max.set(key, Math.max(n, this.max.get(key) ?? 0));
  }
  leave(key: string): void {
    this.now.set(key, (this.now.get(key) ?? 1) - 1);
  }
}

describe('concurrency limit per key', () => {
  const nats = useNats();
  const slotKeys = async (queue: string): Promise<string[]> => {
    const kv = await new Kvm(nats.nc).open(slotBucketName(queue));
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    return keys;
  };
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  async function startWorkers(queue: string, tasks: TaskDefinition<any, any>[], count: number, concurrency: number): Promise<Worker[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        // One connection per worker, as separate pods have.
        const nc: NatsConnection = await connectTo(nats.server.url);
        const worker = new Worker(nc, { queue, tasks, concurrency, logger: testLogger, heartbeatIntervalMs: 0, name: `w${i}` });
        closers.push(async () => {
          await worker.close(2000);
          await nc.close();
        });
        await worker.start();
        return worker;
      }),
    );
  }

  it('never runs more than the limit of one tenant at once across 4 workers x concurrency 4, and every task runs once on attempt 1', async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue);
    const running = new RunningCounter();
    const attempts: number[] = [];
    const task = defineTask(
      'keyconc.work',
      async (p: { tenant: string; n: number }, ctx) => {
        running.enter(p.tenant);
        attempts.push(ctx.attempt);
        await sleep(30 + (p.n % 4) * 10);
        running.leave(p.tenant);
        return p.n;
      },
      { concurrency: { key: (p) => p.tenant, limit: 2 } },
    );
    await startWorkers(queue, [task], 4, 4);
    const client = new Client(nats.nc, { queue });
    const tenants = ['a', 'b', 'c'];
    const handles = await client.enqueueMany(
      task,
      Array.from({ length: 60 }, (_, n) => ({ payload: { tenant: tenants[n % 3]!, n } })),
    );
    const results = await Promise.all(handles.map((h) => h.result({ timeoutMs: 60_000 })));
    expect(results).toEqual(handles.map((_, n) => n));
    for (const t of tenants) expect(running.max.get(t), `tenant ${t}`).toBe(2);
    expect(attempts).toHaveLength(60);
    expect(new Set(attempts)).toEqual(new Set([1]));
    // Acks leave in batches after the result record: wait for the last ones.
    await waitFor(async () => (await readQueueState(nats.nc, queue)).ackPending === 0, { what: 'all acked' });
    expect(await readQueueState(nats.nc, queue)).toMatchObject({ pending: 0, deadLetters: 0 });
    // Every slot was given back (a deleted key is not listed).
    await waitFor(async () => (await slotKeys(queue)).length === 0, { what: 'no slot held' });
  });

  it('keeps the limit on a queue without schedules (count limit, discard new), where hand-backs go straight to the tail', async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue, { maxMessages: 10_000, discard: 'new' });
    const running = new RunningCounter();
    const attempts: number[] = [];
    const task = defineTask(
      'keyconc.noschedules',
      async (p: { n: number }, ctx) => {
        running.enter('all');
        attempts.push(ctx.attempt);
        await sleep(40);
        running.leave('all');
        return p.n;
      },
      { concurrency: { limit: 2 } },
    );
    await startWorkers(queue, [task], 2, 4);
    const client = new Client(nats.nc, { queue });
    const handles = await client.enqueueMany(task, Array.from({ length: 24 }, (_, n) => ({ payload: { n } })));
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 60_000 })))).toEqual(handles.map((_, n) => n));
    expect(running.max.get('all')).toBe(2);
    expect(new Set(attempts)).toEqual(new Set([1]));
  });

  it('hands waiting tasks back when their worker stops, and another worker runs them on attempt 1', async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue);
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    const attempts: number[] = [];
    const task = defineTask(
      'keyconc.stop',
      async (p: { n: number }, ctx) => {
        attempts.push(ctx.attempt);
        if (p.n === 0) await firstHeld;
        return p.n;
      },
      { concurrency: { limit: 1 } },
    );
    const [stopping] = await startWorkers(queue, [task], 1, 4);
    const client = new Client(nats.nc, { queue });
    const first = await client.enqueue(task, { n: 0 });
    await waitFor(() => attempts.length === 1, { what: 'first task running' });
    const rest = await client.enqueueMany(task, [1, 2, 3].map((n) => ({ payload: { n } })));
    await sleep(200); // pulled: waiting in the worker, or handed back
    const closed = stopping!.close(10_000);
    releaseFirst();
    await closed;
    await startWorkers(queue, [task], 1, 4);
    expect(await first.result({ timeoutMs: 10_000 })).toBe(0);
    expect(await Promise.all(rest.map((h) => h.result({ timeoutMs: 20_000 })))).toEqual([1, 2, 3]);
    expect(attempts).toEqual([1, 1, 1, 1]);
  });

  it('keeps a slot for a task that runs three times the slot TTL: its worker renews it', async () => {
    const queue = uniqueQueue('keyconc');
    const slotTtlMs = 1_000;
    await createQueue(nats.nc, queue, { concurrencySlotTtlMs: slotTtlMs });
    const runs: Array<{ n: number; start: number; end: number }> = [];
    const task = defineTask(
      'keyconc.long',
      async (p: { n: number; ms: number }) => {
        const start = Date.now();
        await sleep(p.ms);
        runs.push({ n: p.n, start, end: Date.now() });
      },
      { concurrency: { limit: 1 } },
    );
    await startWorkers(queue, [task], 2, 2);
    const client = new Client(nats.nc, { queue });
    const long = await client.enqueue(task, { n: 0, ms: 3 * slotTtlMs });
    await waitFor(async () => (await slotKeys(queue)).length === 1, { what: 'slot taken' });
    const short = await client.enqueue(task, { n: 1, ms: 10 });
    await Promise.all([long.result({ timeoutMs: 20_000 }), short.result({ timeoutMs: 20_000 })]);
    const [first, second] = [runs.find((r) => r.n === 0)!, runs.find((r) => r.n === 1)!];
    expect(second.start).toBeGreaterThanOrEqual(first.end);
  });

  it("runs tenant B while tenant A's slots are full", async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue);
    let releaseA!: () => void;
    const aHeld = new Promise<void>((r) => (releaseA = r));
    const running = new RunningCounter();
    const task = defineTask(
      'keyconc.tenant',
      async (p: { tenant: string }) => {
        running.enter(p.tenant);
        if (p.tenant === 'a') await aHeld;
        running.leave(p.tenant);
        return p.tenant;
      },
      { concurrency: { key: (p) => p.tenant, limit: 1 } },
    );
    const [worker] = await startWorkers(queue, [task], 1, 4);
    const client = new Client(nats.nc, { queue });
    // A's backlog first, then B's: B must not wait for A's one slot.
    const a = await client.enqueueMany(task, Array.from({ length: 10 }, () => ({ payload: { tenant: 'a' } })));
    const bEnqueued = Date.now();
    const b = await client.enqueueMany(task, Array.from({ length: 3 }, () => ({ payload: { tenant: 'b' } })));
    await Promise.all(b.map((h) => h.result({ timeoutMs: 20_000 })));
    // At most half the worker's slots wait for A; B runs in the others at once, not after A's
    // waits end (keyWaitMs, 2 s), which is when it would run if A's tasks took every slot.
    expect(Date.now() - bEnqueued).toBeLessThan(DEFAULTS.keyWaitMs);
    expect(running.now.get('a')).toBe(1);
    // Two of A's tasks wait in the worker (half its 4 slots), the others were handed back.
    const metrics = await worker!.metrics.registry.metrics();
    expect(metrics).toMatch(/^celeriac_key_slots_held\{queue="[^"]+"\} 1$/m);
    expect(Number(/^celeriac_key_handed_back_total\{[^}]*task="keyconc.tenant"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    releaseA();
    await Promise.all(a.map((h) => h.result({ timeoutMs: 30_000 })));
    expect(running.max.get('a')).toBe(1);
  });

  it('takes the key from the enqueue over the key function, and runs a task whose key function says undefined without a limit', async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue);
    const running = new RunningCounter();
    const task = defineTask(
      'keyconc.override',
      async (p: { tenant?: string; tag: string }) => {
        running.enter(p.tag);
        await sleep(50);
        running.leave(p.tag);
      },
      { concurrency: { key: (p) => p.tenant, limit: 1 } },
    );
    await startWorkers(queue, [task], 1, 8);
    const client = new Client(nats.nc, { queue });
    const keyed = Array.from({ length: 4 }, (_, i) => client.enqueue(task, { tenant: `t${i}`, tag: 'header' }, { concurrencyKey: 'shared' }));
    const free = Array.from({ length: 4 }, () => client.enqueue(task, { tag: 'free' }));
    await Promise.all([...keyed, ...free].map(async (h) => (await h).result({ timeoutMs: 20_000 })));
    expect(running.max.get('header')).toBe(1);
    expect(running.max.get('free')).toBeGreaterThan(1);
  });

  it('dead-letters a task whose key function throws on its payload', async () => {
    const queue = uniqueQueue('keyconc');
    await createQueue(nats.nc, queue);
    const task = defineTask('keyconc.badkey', (p: { tenant: { id: string } }) => p.tenant.id, {
      concurrency: { key: (p) => p.tenant.id, limit: 1 },
    });
    await startWorkers(queue, [task], 1, 2);
    const client = new Client(nats.nc, { queue });
    const h = await client.enqueue(task, {} as { tenant: { id: string } });
    const err = await h.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/invalid-payload|dead/i);
    expect((await readQueueState(nats.nc, queue)).deadLetters).toBe(1);
  });
});
