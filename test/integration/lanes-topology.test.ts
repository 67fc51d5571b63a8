// What lanes (priorities, fairness) make of a queue in JetStream, on a real nats-server: a queue
// without them keeps its one consumer; a queue with them gets a consumer per lane, which the
// backlog, pauses and producers all see; its wire format is one publish.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { Client, LaneUnavailableError, Worker, defineTask } from 'celeriac';
import { HEADERS, encodeJson, laneSubject } from 'celeriac/protocol';
import { ensureQueue, isQueuePaused, laneLayoutOf, pauseQueue, readQueueState, resumeQueue } from 'celeriac/topology';
import { readBacklog } from '../../operator/src/autoscale/io/read-backlog.ts';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

describe('lanes in JetStream', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  const consumers = async (queue: string) => {
    const jsm = await jetstreamManager(nats.nc);
    const names: string[] = [];
    for await (const c of jsm.consumers.list(`CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`)) names.push(c.name);
    return names.sort();
  };

  it('keeps one consumer on a queue without lanes, one per lane with them, and removes lanes it no longer has', async () => {
    const plain = uniqueQueue('lanes');
    await createQueue(nats.nc, plain);
    expect(await consumers(plain)).toEqual(['workers']);

    const queue = uniqueQueue('lanes');
    const settings = await createQueue(nats.nc, queue, { lanes: laneLayoutOf(2, 2) });
    expect(await consumers(queue)).toEqual(['lane-0-1', 'lane-1-0', 'lane-1-1', 'workers']);
    const again = await ensureQueue(nats.nc, settings);
    expect([...again.created, ...again.updated, ...again.deleted]).toEqual([]);

    const fewer = await ensureQueue(nats.nc, { ...settings, lanes: laneLayoutOf(2, 1) });
    expect(fewer.deleted.sort()).toEqual(['consumer/lane-0-1', 'consumer/lane-1-1']);
    expect(await consumers(queue)).toEqual(['lane-1-0', 'workers']);
    await ensureQueue(nats.nc, { ...settings, lanes: undefined });
    expect(await consumers(queue)).toEqual(['workers']);
  });

  it('counts every lane in the backlog (status and autoscaler) and pauses every lane with the queue', async () => {
    const queue = uniqueQueue('lanes');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(3, 4) });
    const task = defineTask('lanes.count', () => undefined);
    const client = new Client(nats.nc, { queue });
    await client.enqueueMany(task, [
      ...Array.from({ length: 5 }, () => ({ payload: undefined })),
      ...Array.from({ length: 7 }, () => ({ payload: undefined, priority: 2 })),
      ...Array.from({ length: 3 }, (_, i) => ({ payload: undefined, priority: 1, fairnessKey: `tenant-${i}` })),
    ]);
    expect((await readQueueState(nats.nc, queue)).pending).toBe(15);
    expect(await readBacklog(nats.nc, queue)).toMatchObject({ pending: 15, ackPending: 0 });

    await pauseQueue(nats.nc, queue);
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.consumers.info(`CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`, 'lane-2-0')).paused).toBe(true);
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);
    await resumeQueue(nats.nc, queue);
    expect((await jsm.consumers.info(`CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`, 'lane-2-0')).paused).toBeFalsy();
  });

  it('pauses the lanes a paused queue gains', async () => {
    const queue = uniqueQueue('lanes');
    const settings = await createQueue(nats.nc, queue);
    await pauseQueue(nats.nc, queue);
    await ensureQueue(nats.nc, { ...settings, lanes: laneLayoutOf(2, 1) });
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.consumers.info(`CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`, 'lane-1-0')).paused).toBe(true);
    await resumeQueue(nats.nc, queue);
    expect((await jsm.consumers.info(`CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`, 'lane-1-0')).paused).toBeFalsy();
  });

  it('refuses a priority the queue does not have, before publishing anything', async () => {
    const plain = uniqueQueue('lanes');
    await createQueue(nats.nc, plain);
    const queue = uniqueQueue('lanes');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(3, 1) });
    const task = defineTask('lanes.refused', () => undefined);
    const client = new Client(nats.nc);
    await expect(client.enqueue(task, undefined, { queue, priority: 3 })).rejects.toThrow(LaneUnavailableError);
    await expect(client.enqueue(task, undefined, { queue, priority: 3 })).rejects.toThrow(/priority 3 is out of range: the queue has 3 priority levels \(0 to 2\)/);
    await expect(client.enqueue(task, undefined, { queue: plain, priority: 1 })).rejects.toThrow(/the queue has 1 priority level \(0 to 0\)/);
    await expect(client.enqueue(task, undefined, { queue, priority: -1 })).rejects.toThrow(RangeError);
    await expect(client.enqueueMany(task, [{ payload: undefined }, { payload: undefined, priority: 1.5 }], { queue })).rejects.toThrow(/integer/);
    // Priority 0 and a key are fine on a queue without lanes: there is one lane to go to.
    await client.enqueue(task, undefined, { queue: plain, priority: 0, fairnessKey: 'tenant' });
    expect((await readQueueState(nats.nc, queue)).pending).toBe(0);
    expect((await readQueueState(nats.nc, plain)).pending).toBe(1);
  });

  it('runs a task published to a lane subject by a plain NATS client, and the server refuses a lane that does not exist', async () => {
    const queue = uniqueQueue('lanes');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(2, 1) });
    let ran: unknown;
    const task = defineTask('lanes.raw', (p: { n: number }) => (ran = p.n));
    const worker = new Worker(nats.nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(1000));
    await worker.start();

    const js = jetstream(nats.nc);
    const h = headers();
    h.set(HEADERS.id, 'raw-1');
    await js.publish(`celeriac.${queue}.lanes.1.0.lanes.raw`, encodeJson({ n: 7 }), { headers: h });
    const client = new Client(nats.nc, { queue });
    expect(await client.result('raw-1', { timeoutMs: 10_000 })).toBe(7);
    expect(ran).toBe(7);
    await expect(js.publish(laneSubject(queue, 'lanes.raw', 2, 0), encodeJson({ n: 8 }))).rejects.toThrow();
  });

  it('fires a delayed task into its lane', async () => {
    const queue = uniqueQueue('lanes');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(2, 1) });
    const subjects: string[] = [];
    const task = defineTask('lanes.later', (_: null, ctx) => void subjects.push(ctx.id));
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(task, null, { priority: 1, delay: 200 });
    const jsm = await jetstreamManager(nats.nc);
    const stream = `CELERIAC_${queue.toUpperCase().replaceAll('-', '_')}`;
    await waitFor(async () => (await jsm.consumers.info(stream, 'lane-1-0')).num_pending === 1, { what: 'the fired task in lane 1' });
    const worker = new Worker(nats.nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(1000));
    await worker.start();
    await handle.result({ timeoutMs: 10_000 });
    expect(subjects).toEqual([handle.id]);
  });

  it('hands the tasks a worker holds in its lanes back on close, and a later worker runs each once', async () => {
    const queue = uniqueQueue('lanes');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(2, 2) });
    const runs = new Map<number, number>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task = defineTask('lanes.held', async (n: number) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      if (n === 0) await gate;
    });
    const client = new Client(nats.nc, { queue });
    await client.enqueue(task, 0, { priority: 1 });
    const first = new Worker(nats.nc, { queue, tasks: [task], concurrency: 1, logger: testLogger, heartbeatIntervalMs: 0 });
    await first.start();
    await waitFor(() => runs.has(0), { what: 'task 0 running' });
    await client.enqueueMany(task, Array.from({ length: 12 }, (_, i) => ({ payload: i + 1, priority: i % 2, fairnessKey: `k${i % 3}` })));
    // The worker pulls some of them into its lane buffers while its one slot is busy.
    await waitFor(async () => (await readQueueState(nats.nc, queue)).ackPending > 1, { what: 'tasks held by the worker' });
    const closing = first.close(5_000);
    release();
    await closing;
    expect([...runs.keys()]).toEqual([0]);

    const second = new Worker(nats.nc, { queue, tasks: [task], concurrency: 4, logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => second.close(1000));
    await second.start();
    await waitFor(() => runs.size === 13, { what: 'every task run' });
    await waitFor(async () => (await readQueueState(nats.nc, queue)).ackPending === 0, { what: 'every task acked' });
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('a running worker follows its queue gaining and dropping lanes, without a restart', async () => {
    const queue = uniqueQueue('lanes');
    const settings = await createQueue(nats.nc, queue);
    const ran: number[] = [];
    const task = defineTask('lanes.follow', (n: number) => void ran.push(n));
    const worker = new Worker(nats.nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0, lanesCheckIntervalMs: 100 });
    closers.push(() => worker.close(1000));
    await worker.start();

    await ensureQueue(nats.nc, { ...settings, lanes: laneLayoutOf(2, 1) });
    await new Client(nats.nc, { queue }).enqueue(task, 1, { priority: 1 });
    await waitFor(() => ran.includes(1), { what: 'the level-1 task run by the worker started before the queue had lanes' });
    expect(worker.ready).toBe(true);

    await ensureQueue(nats.nc, { ...settings, lanes: undefined });
    await sleep(300); // a look of the worker: it goes back to the one consumer
    await new Client(nats.nc, { queue }).enqueue(task, 2);
    await waitFor(() => ran.includes(2), { what: 'the plain task run after the lanes were dropped' });
    expect(worker.ready).toBe(true);
  });
});
