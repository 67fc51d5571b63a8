import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/**
 * The Worker's default read-ahead (worker/read-ahead.ts), as a user sees it: on the server's own
 * count of tasks delivered and not yet acked.
 */
describe('read-ahead on a real nats-server', () => {
  const nats = useNats();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function ackPending(queue: string): Promise<number> {
    const n = queueNames(queue);
    return (await (await jetstreamManager(nats.nc)).consumers.info(n.stream, n.consumer)).num_ack_pending;
  }

  /** A Worker at concurrency 1 whose handler returns at once until `hold` is set, then waits for `release`. */
  async function startHeldWorker(prefetch: number | undefined, msPerTask = 0) {
    const queue = uniqueQueue('ra');
    await createQueue(nats.nc, queue, { results: { enabled: false, ttlMs: 60_000, maxBytes: 0 } });
    const gate = { hold: false, release: () => undefined as void, started: 0 };
    const released = new Promise<void>((r) => (gate.release = r));
    const task = defineTask('t', async () => {
      gate.started++;
      if (gate.hold) await released;
      else if (msPerTask > 0) await new Promise((r) => setTimeout(r, msPerTask));
    });
    const client = new Client(nats.nc, { queue });
    const worker = new Worker(nats.nc, { queue, tasks: [task], concurrency: 1, prefetch, results: false, heartbeatIntervalMs: 0, logger: testLogger });
    cleanup.push(
      () => client.close(),
      async () => {
        gate.release();
        await worker.close(1000);
      },
    );
    await worker.start();
    return { queue, client, task, gate };
  }

  it('pulls ahead of its one slot while tasks are short', async () => {
    const { queue, client, task, gate } = await startHeldWorker(undefined);
    await client.enqueueMany(task, Array.from({ length: 3_000 }, () => ({ payload: {} })));
    await waitFor(() => gate.started >= 2_000, { what: 'most tasks run', timeoutMs: 20_000 });
    gate.hold = true; // the running task waits; what the worker pulled meanwhile stays delivered
    await new Promise((r) => setTimeout(r, 300));
    // More than the slot, the loop's held message and nats.js's pull in flight (the fixed and slow
    // cases below stay at 2-3). Not more: the read-ahead is 100 ms at the measured rate, and on a
    // loaded machine (the full suite) 2,000 no-op tasks may run at well under 1,000/s.
    expect(await ackPending(queue)).toBeGreaterThan(3);
  });

  it('pulls only its slots with prefetch set to them, and for tasks slower than the window', async () => {
    const fixed = await startHeldWorker(1);
    await fixed.client.enqueueMany(fixed.task, Array.from({ length: 3_000 }, () => ({ payload: {} })));
    await waitFor(() => fixed.gate.started >= 500, { what: 'tasks run', timeoutMs: 20_000 });
    fixed.gate.hold = true;
    await new Promise((r) => setTimeout(r, 300));
    expect(await ackPending(fixed.queue)).toBeLessThanOrEqual(2);

    // 150 ms tasks: fewer than one starts per 100 ms window, so no read-ahead beyond the slot.
    // Delivered and unacked is then the running task, the one the loop holds for the slot, and at
    // times one more received from a pull on its way.
    const slow = await startHeldWorker(undefined, 150);
    await slow.client.enqueueMany(slow.task, Array.from({ length: 20 }, () => ({ payload: {} })));
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 150));
      counts.push(await ackPending(slow.queue));
    }
    expect(Math.max(...counts.slice(3))).toBeLessThanOrEqual(3);
  });
});
