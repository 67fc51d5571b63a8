// Cancelling tasks on a real nats-server: a queued task never runs, a running one sees its signal
// and ends `cancelled` (not retried), a cancel racing the start is never both run and cancelled,
// a new worker sees cancels stored before it started, and one plain publish cancels.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, Client, TaskFailedError, Worker, cancelTask, declareTask, defineTask, type TaskDefinition } from 'celeriac';
import { readQueueState } from 'celeriac/topology';
import { HEADERS, scheduleSubject, taskSubject } from 'celeriac/protocol';
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { useNats } from '../support/use-nats.ts';
import { connectTo, createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

describe('cancel', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  async function startWorker(queue: string, tasks: TaskDefinition<any, any>[], concurrency = 4) {
    const worker = new Worker(nats.nc, { queue, tasks, concurrency, logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(2000));
    await worker.start();
    return worker;
  }

  it('cancels a queued task: it never runs and its record says cancelled', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    const ran: string[] = [];
    const task = defineTask('cancel.queued', (p: { n: number }, ctx) => {
      ran.push(ctx.id);
      return p.n;
    });
    const client = new Client(nats.nc, { queue });
    const doomed = await client.enqueue(task, { n: 1 });
    const kept = await client.enqueue(task, { n: 2 });
    expect(await client.cancel(doomed.id, { reason: 'changed my mind' })).toBe('requested');
    await startWorker(queue, [task]);
    expect(await kept.result({ timeoutMs: 10_000 })).toBe(2);
    const err = await doomed.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).state).toBe('cancelled');
    expect((err as TaskFailedError).remote?.message).toContain('changed my mind');
    expect(ran).toEqual([kept.id]);
    expect((await readQueueState(nats.nc, queue)).pending).toBe(0);
    expect(await client.cancel(doomed.id)).toBe('cancelled');
    expect(await client.cancel(kept.id)).toBe('already-finished');
  });

  it('cancels a running task: its signal fires with a CancelledError, it ends cancelled and is not retried', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    let runs = 0;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const reasons: unknown[] = [];
    // Ignores the signal for a while after it fires: the attempt still ends cancelled, not succeeded.
    const task = defineTask('cancel.running', async (_: null, ctx) => {
      runs++;
      started();
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      reasons.push(ctx.signal.reason);
      await sleep(100);
      return 'finished anyway';
    });
    await startWorker(queue, [task]);
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(task, null);
    await running;
    expect(await client.cancel(handle.id, { waitMs: 10_000 })).toBe('cancelled');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(CancelledError);
    const record = await client.status(handle.id);
    expect(record).toMatchObject({ state: 'cancelled', attempts: 1 });
    expect(record?.result).toBeUndefined();
    // Nothing left to retry: the stream is empty and nothing is waiting for an ack.
    const state = await readQueueState(nats.nc, queue);
    expect([state.pending, state.ackPending, state.deadLetters]).toEqual([0, 0, 0]);
    expect(runs).toBe(1);
  });

  // Twice: the fast start (handler called at once) and the slow one (a `started` record first).
  it.each([false, true])('a cancel racing the start (trackStarted %s): each task either ran to its end or is cancelled, never both, none lost', async (trackStarted) => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    /** Tasks whose handler returned with its signal not aborted: the only ones that may succeed. */
    const completed = new Set<string>();
    const task = defineTask('cancel.race', async (ms: number, ctx) => {
      await sleep(ms);
      if (!ctx.signal.aborted) completed.add(ctx.id);
      return ms;
    }, { trackStarted });
    await startWorker(queue, [task], 8);
    const client = new Client(nats.nc, { queue });
    const n = 200;
    const handles = await client.enqueueMany(
      task,
      Array.from({ length: n }, (_, i) => ({ payload: i % 7 })),
    );
    const outcomes = await Promise.all(handles.map(async (h, i) => {
      await sleep(i % 13);
      return client.cancel(h.id);
    }));
    let succeeded = 0;
    let cancelled = 0;
    for (const [i, h] of handles.entries()) {
      const record = await waitFor(async () => {
        const r = await client.status(h.id);
        return r && (r.state === 'succeeded' || r.state === 'cancelled' || r.state === 'failed' || r.state === 'dead') ? r : undefined;
      }, { what: `final record of ${h.id}` });
      if (record.state === 'succeeded') {
        succeeded++;
        expect(completed.has(h.id)).toBe(true);
      } else {
        expect(record.state).toBe('cancelled');
        cancelled++;
        expect(completed.has(h.id)).toBe(false);
        expect(outcomes[i]).not.toBe('already-finished');
      }
    }
    expect(succeeded + cancelled).toBe(n);
    expect(cancelled).toBeGreaterThan(0);
    const state = await readQueueState(nats.nc, queue);
    expect([state.pending, state.ackPending, state.deadLetters]).toEqual([0, 0, 0]);
  });

  it('reaches tasks on every worker: each cancelled handler sees its signal, the rest never start', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    const running = new Map<string, number>();
    const aborted = new Set<string>();
    const workersUsed = new Set<number>();
    // Three workers, each on its own connection as three pods would be, each with its own handler
    // (same task name) so the test can tell them apart.
    for (let i = 0; i < 3; i++) {
      const task = defineTask('cancel.fleet', async (_: null, ctx) => {
        running.set(ctx.id, i);
        workersUsed.add(i);
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
        aborted.add(ctx.id);
      });
      const nc = await connectTo(nats.server.url);
      const worker = new Worker(nc, { queue, tasks: [task], concurrency: 2, logger: testLogger, heartbeatIntervalMs: 0 });
      closers.push(async () => {
        await worker.close(2000);
        await nc.close();
      });
      await worker.start();
    }
    const client = new Client(nats.nc, { queue });
    const handles = await client.enqueueMany(declareTask<null, void>('cancel.fleet'), Array.from({ length: 6 }, () => ({ payload: null })));
    // Every task delivered (to a slot or a worker's prefetch buffer): where each went is the server's choice.
    await waitFor(async () => running.size >= 2 && (await readQueueState(nats.nc, queue)).pending === 0, { what: 'all tasks delivered' });
    await Promise.all(handles.map((h) => client.cancel(h.id)));
    for (const h of handles) expect(await h.result({ timeoutMs: 10_000 }).catch((e: unknown) => e)).toMatchObject({ state: 'cancelled' });
    expect([...running.keys()].sort()).toEqual([...aborted].sort());
    console.log(`cancelled ${running.size} running tasks on ${workersUsed.size} workers, ${6 - running.size} before they started`);
  });

  it('a worker started after a cancel was stored still applies it', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    const ran: string[] = [];
    const task = defineTask('cancel.restart', (_: null, ctx) => void ran.push(ctx.id));
    const first = await startWorker(queue, [task]);
    expect(await cancelTask(nats.nc, queue, 'later-task')).toBe('requested');
    await first.close(1000);
    await startWorker(queue, [task]);
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(task, null, { id: 'later-task' });
    const err = await handle.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect((err as TaskFailedError).state).toBe('cancelled');
    expect(ran).toEqual([]);
  });

  it('cancels a delayed task before it fires: it fires and is dropped at admission', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    const ran: string[] = [];
    const task = defineTask('cancel.delayed', (_: null, ctx) => void ran.push(ctx.id));
    await startWorker(queue, [task]);
    // A server-side schedule as the delayed-enqueue path writes one: the fired task copies its headers.
    const h = headers();
    h.set('Nats-Schedule', `@at ${new Date(Date.now() + 1500).toISOString().replace(/\.\d+Z$/, 'Z')}`);
    h.set('Nats-Schedule-Target', taskSubject(queue, 'cancel.delayed'));
    h.set(HEADERS.id, 'delayed-1');
    await jetstream(nats.nc).publish(scheduleSubject(queue, 'delayed-1'), JSON.stringify(null), { headers: h });
    expect(await cancelTask(nats.nc, queue, 'delayed-1')).toBe('requested');
    const client = new Client(nats.nc, { queue });
    const err = await client.result('delayed-1', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect((err as TaskFailedError).state).toBe('cancelled');
    expect(ran).toEqual([]);
  });

  it('one plain publish to the cancel bucket cancels a running task', async () => {
    const queue = uniqueQueue('cancel');
    await createQueue(nats.nc, queue);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const task = defineTask('cancel.wire', async (_: null, ctx) => {
      started();
      await new Promise<void>((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
    });
    await startWorker(queue, [task]);
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(task, null);
    await running;
    const bucket = `CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}_CANCELS`;
    nats.nc.publish(`$KV.${bucket}.${handle.id}`, JSON.stringify({ at: Date.now(), reason: 'from another language' }));
    const err = await handle.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect((err as TaskFailedError).state).toBe('cancelled');
    expect((err as TaskFailedError).remote).toMatchObject({ type: 'CancelledError', message: expect.stringContaining('from another language') as unknown });
  });
});
