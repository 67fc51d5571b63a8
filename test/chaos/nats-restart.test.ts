// nats-server (file storage) dies and comes back on the same address while producers enqueue and
// worker processes consume. Proves: no acknowledged enqueue is lost; producers and workers
// reconnect by themselves; every worker consumes again after the reconnect (the failure Celery
// and BullMQ users report is a worker that reconnects and then silently never consumes again);
// and /readyz is false while a worker cannot consume.
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueueState } from 'celeriac/topology';
import { readLedger, resumeTimes, tally, workersRunningSince } from '../support/chaos-ledger.ts';
import { drained, report, sleep, startChaosQueue } from '../support/chaos.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { connectTo, waitFor } from '../support/queue.ts';
import { startSteadyProducer } from '../support/steady-producer.ts';
import type { WorkerFleet } from '../support/worker-fleet.ts';

const WORKERS = 3;
/** Worker concurrency, and so the tasks a worker pulls ahead (prefetch defaults to it). */
const PREFETCH = 8;

describe('nats-server restarted mid-run', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let fleet: WorkerFleet | undefined;

  beforeAll(async () => {
    server = await startNats();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await fleet?.stop(2_000);
    await nc?.close();
    await server?.stop();
  });

  it('loses no task, and every worker goes unready during the outage and consumes again after it', async () => {
    const { queue, fleet: f, client } = await startChaosQueue(nc, {
      natsUrls: [server.url],
      workers: WORKERS,
      settings: { ackWaitMs: 5_000 },
      env: { CELERIAC_CONCURRENCY: String(PREFETCH) },
      client: { publishTimeoutMs: 3_000 },
    });
    fleet = f;
    const producer = startSteadyProducer(client, { perSecond: 300, sleepMs: 10 });
    const outages: Array<{ signal: string; downMs: number; backlogBefore: number; unreadyMs: number; readyAgainMs: number; up: number }> = [];

    // Two outages: a crash with a short gap, then a clean stop with a gap longer than two idle
    // heartbeats of the pull consumer (the client must notice, not just wait for TCP to say so).
    for (const [signal, downMs] of [['SIGKILL', 2_000], ['SIGTERM', 12_000]] as const) {
      await sleep(3_000);
      const before = await readQueueState(nc, queue);
      const t0 = Date.now();
      await server.stop({ keepStore: true, signal });
      await waitFor(async () => (await Promise.all(f.workers.map((w) => w.ready()))).every((r) => !r), {
        timeoutMs: 10_000,
        what: 'every worker unready while nats is down',
      });
      const unreadyMs = Date.now() - t0;
      // Stays unready for the whole outage, not just a blip.
      await sleep(downMs);
      expect((await Promise.all(f.workers.map((w) => w.ready()))).some(Boolean)).toBe(false);

      server = await startNats({ port: server.port, storeDir: server.storeDir });
      const up = Date.now();
      await waitFor(() => f.allReady(), { timeoutMs: 30_000, what: 'every worker ready again' });
      const readyAgainMs = Date.now() - up;
      // Keep the outage's producer running until each worker, by name, ran a task stored after
      // the restart; the exact per-worker times come from the ledger at the end.
      await waitFor(
        async () => {
          const after = await workersRunningSince(nc, queue, up).catch(() => new Map<string, number>());
          return f.workers.every((w) => after.has(w.name));
        },
        { timeoutMs: 30_000, what: 'every worker consuming after the restart' },
      );
      outages.push({ signal, downMs, backlogBefore: before.pending + before.ackPending, unreadyMs, readyAgainMs, up });
    }
    await sleep(2_000);
    await producer.stop();
    await waitFor(() => drained(nc, queue), { timeoutMs: 60_000, what: 'queue drained' });
    const counts = await readQueueState(nc, queue);
    expect(counts.deadLetters).toBe(0);
    const ledger = await readLedger(nc, queue);
    const t = tally(producer.acked.keys(), ledger.runs);
    expect(t.missing).toEqual([]);
    // Retried enqueues reuse the task id: no task exists that the producer does not know of.
    expect([...ledger.runs.keys()].filter((id) => !producer.acked.has(id))).toEqual([]);
    expect(producer.acked.size).toBeGreaterThan(3_000);
    // Every worker pulled again after each restart, within seconds of the server being back.
    const resumed = outages.map((o) => resumeTimes(ledger.records, o.up, PREFETCH));
    for (const r of resumed) {
      expect([...r.keys()].sort()).toEqual(f.workers.map((w) => w.name).sort());
      expect(Math.max(...r.values())).toBeLessThan(10_000);
    }
    report('nats-restart', {
      enqueued: producer.acked.size,
      enqueueFailuresRetried: producer.failures,
      retriesFoundDuplicate: producer.duplicates,
      runs: ledger.records.length,
      duplicatedTasks: t.duplicatedIds,
      extraRuns: t.extraRuns,
      outages: outages.map(({ up: _, ...o }, i) => ({ ...o, workerResumedMs: Object.fromEntries(resumed[i]!) })),
    });
    await client.close();
  }, 150_000);
});
