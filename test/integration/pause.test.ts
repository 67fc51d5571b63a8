// Pausing a queue on a real nats-server (JetStream consumer pause): no task starts while paused,
// running ones finish, the backlog stays; after resume it drains with every task run exactly once.
// ensureQueue (the operator's sync) keeps a pause through a consumer update.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { ensureQueue, isQueuePaused, pauseQueue, readQueueState, resumeQueue } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

describe('pause and resume a queue', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  it('starts nothing while paused, lets running tasks finish, and drains the backlog exactly once after resume', async () => {
    const queue = uniqueQueue('pause');
    await createQueue(nats.nc, queue);
    const runs = new Map<number, number>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task = defineTask('pause.work', async (n: number) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      if (n === 0) await gate; // the one task running when the pause comes
      return n;
    });
    const worker = new Worker(nats.nc, { queue, tasks: [task], concurrency: 4, logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(2000));
    await worker.start();
    const client = new Client(nats.nc, { queue });
    const running = await client.enqueue(task, 0);
    await waitFor(() => runs.has(0), { what: 'task 0 running' });

    await pauseQueue(nats.nc, queue);
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);
    const backlog = 50;
    await client.enqueueMany(task, Array.from({ length: backlog }, (_, i) => ({ payload: i + 1 })));
    release();
    expect(await running.result({ timeoutMs: 10_000 })).toBe(0);
    // A negative: nothing may start in a window the worker would need a few ms to drain it all in.
    await sleep(1000);
    expect([...runs.keys()]).toEqual([0]);
    expect((await readQueueState(nats.nc, queue)).pending).toBe(backlog);

    // The operator's sync with a changed consumer setting must not undo the pause.
    const synced = await ensureQueue(nats.nc, { ...(await createQueue(nats.nc, queue)), ackWaitMs: 20_000 });
    expect(synced.updated).toEqual(['consumer/workers']);
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);

    await resumeQueue(nats.nc, queue);
    expect(await isQueuePaused(nats.nc, queue)).toBe(false);
    await waitFor(() => runs.size === backlog + 1, { what: 'backlog drained' });
    await waitFor(async () => (await readQueueState(nats.nc, queue)).pending === 0, { what: 'stream empty' });
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('a paused queue keeps its pause for a worker started later', async () => {
    const queue = uniqueQueue('pause');
    await createQueue(nats.nc, queue);
    const client = new Client(nats.nc, { queue });
    const ran: number[] = [];
    const task = defineTask('pause.later', (n: number) => void ran.push(n));
    await client.enqueueMany(task, [{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
    await pauseQueue(nats.nc, queue);
    await pauseQueue(nats.nc, queue); // idempotent
    const worker = new Worker(nats.nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(2000));
    await worker.start();
    // Longer than three idle heartbeats: a paused consumer must not look like a stalled one.
    await sleep(4000);
    expect(ran).toEqual([]);
    expect(worker.ready).toBe(true);
    await resumeQueue(nats.nc, queue);
    await waitFor(() => ran.length === 3, { what: 'three tasks ran' });
    expect(ran.sort()).toEqual([1, 2, 3]);
  });
});
