// Fairness on a real nats-server: a fairness key is hashed into one of the queue's buckets (a
// lane each), and a worker's free slots take turns between buckets with work, so one tenant's
// backlog does not hold up another's tasks (docs/concepts.md "Fairness" states the bound).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { fairnessBucket } from 'celeriac/protocol';
import { laneLayoutOf } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

describe('fairness', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  it("starts another tenant's 10 tasks within the stated bound behind one tenant's 10,000", async () => {
    const queue = uniqueQueue('fair');
    const buckets = 16;
    await createQueue(nats.nc, queue, { lanes: laneLayoutOf(1, buckets) });
    // Keys in one bucket share its FIFO (1 in 16 for two keys): the test picks keys that do not.
    const tenantA = 'tenant-a';
    const tenantB = ['tenant-b', 'tenant-c', 'tenant-d'].find((k) => fairnessBucket(k, buckets) !== fairnessBucket(tenantA, buckets))!;
    const starts: string[] = [];
    const task = defineTask('fair.work', async (p: { tenant: string }) => {
      starts.push(p.tenant);
      await sleep(10);
    });
    const concurrency = 2;
    const worker = new Worker(nats.nc, { queue, tasks: [task], concurrency, logger: testLogger, heartbeatIntervalMs: 0, results: false });
    closers.push(() => worker.close(1000));
    await worker.start();
    const client = new Client(nats.nc, { queue });

    await client.enqueueMany(task, Array.from({ length: 10_000 }, () => ({ payload: { tenant: 'A' }, fairnessKey: tenantA })));
    await waitFor(() => starts.length >= 20, { what: "tenant A's backlog draining" });
    const mark = starts.length;
    await client.enqueueMany(task, Array.from({ length: 10 }, () => ({ payload: { tenant: 'B' }, fairnessKey: tenantB })));
    await waitFor(() => starts.filter((s) => s === 'B').length === 10, { what: "every one of tenant B's tasks started" });

    // The bound of docs/concepts.md: B's n tasks start within n turns of the round robin (n of
    // A's starts between them), after the tasks already running or held when B arrived (the
    // worker's concurrency, one held per lane).
    const aBetween = starts.slice(mark, starts.lastIndexOf('B')).filter((s) => s === 'A').length;
    expect(aBetween).toBeLessThanOrEqual(10 + concurrency + 1);
    expect(starts.filter((s) => s === 'A').length).toBeLessThan(1_000);
  });
});
