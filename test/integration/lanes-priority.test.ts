// Priorities on a real nats-server: each level is a lane (a subject of the task stream with its
// own consumer); workers take the highest level with work first and yield a documented share of
// pulls (spec.priorities.lowShare, default 10 %) to lower levels (docs/concepts.md "Priorities").
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { laneLayoutOf } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/** A task that records the order tasks start in, as `<label>`. */
function recorder(name: string, ms: number) {
  const starts: string[] = [];
  const task = defineTask(name, async (p: { label: string }) => {
    starts.push(p.label);
    await sleep(ms);
  });
  return { starts, task };
}

describe('priorities', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function worker(queue: string, task: ReturnType<typeof recorder>['task'], concurrency: number) {
    const w = new Worker(nats.nc, { queue, tasks: [task], concurrency, logger: testLogger, heartbeatIntervalMs: 0, results: false });
    closers.push(() => w.close(1000));
    await w.start();
    return w;
  }

  it('starts high-priority tasks enqueued behind 10,000 low ones first', async () => {
    const queue = uniqueQueue('prio');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(3, 1, 10) });
    const { starts, task } = recorder('prio.work', 20);
    const client = new Client(nats.nc, { queue });
    await client.enqueueMany(task, Array.from({ length: 10_000 }, () => ({ payload: { label: 'low' } })));
    await client.enqueueMany(task, Array.from({ length: 20 }, () => ({ payload: { label: 'high' }, priority: 2 })));

    const concurrency = 2;
    await worker(queue, task, concurrency);
    await waitFor(() => starts.filter((s) => s === 'high').length === 20, { what: 'every high task started' });
    // Before the last high task: the tasks the first free slots took before anything was
    // buffered (concurrency), then one low pick in ten (20 high picks -> 2), plus one owed pick.
    const lowFirst = starts.slice(0, starts.lastIndexOf('high')).filter((s) => s === 'low').length;
    expect(lowFirst).toBeLessThanOrEqual(concurrency + 2 + 1);
  });

  it('keeps the low level progressing at its share under a flood of high-priority work', async () => {
    const queue = uniqueQueue('prio');
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(2, 1, 10) });
    const { starts, task } = recorder('prio.flood', 5);
    const client = new Client(nats.nc, { queue });
    await client.enqueueMany(task, Array.from({ length: 3_000 }, () => ({ payload: { label: 'low' } })));
    await client.enqueueMany(task, Array.from({ length: 3_000 }, () => ({ payload: { label: 'high' }, priority: 1 })));

    await worker(queue, task, 4);
    await waitFor(() => starts.length >= 620, { what: '620 starts', timeoutMs: 30_000 });
    // The first few starts took whatever arrived first; after that both levels always had work.
    const window = starts.slice(20, 620);
    const lowShare = window.filter((s) => s === 'low').length / window.length;
    expect(lowShare).toBeGreaterThanOrEqual(0.07);
    expect(lowShare).toBeLessThanOrEqual(0.13);
  });
});
