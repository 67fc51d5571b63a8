// Worker processes are SIGKILLed at random (an OOM kill, a node lost) while 10,000 tasks run.
// Proves: no task is lost (each one runs and is acked), duplicates are only re-runs of tasks a
// dead worker had not acked (counted and reported), and tasks enqueued with an idempotency key
// apply their effect once, even when enqueued twice and run twice.
import { describe, expect, it } from 'vitest';
import { readQueueState } from 'celeriac/topology';
import { charge, work, type HoldPoint } from '../support/chaos-tasks.ts';
import { readLedger, tally } from '../support/chaos-ledger.ts';
import { drained, report, sleep, useChaosNats } from '../support/chaos.ts';
import { waitFor } from '../support/queue.ts';

const TOTAL = 10_000;
const KEYED = 2_000; // chaos.charge, enqueued with an idempotency key (twice each)
const BATCH = 1_000;
const WORKERS = 3;
const MIN_KILLS = 8;
/** A dead worker's tasks come back after the ack wait: short, so the test runs in seconds. */
const ACK_WAIT_MS = 3_000;

describe('worker processes killed with SIGKILL at random', () => {
  const nats = useChaosNats();
  const setup = (workers: number) => nats.queue({ workers, settings: { ackWaitMs: ACK_WAIT_MS } });

  it('loses no task among 10,000, counts the duplicates, and applies keyed effects once', async () => {
    const nc = nats.nc();
    const { queue, fleet: f, client } = await setup(WORKERS);
    const ids = new Set<string>();
    const keyedIds = new Set<string>();
    let duplicateEnqueues = 0;
    const t0 = Date.now();

    // Produce in batches while the workers run and die: kills hit enqueue, consume and ack alike.
    const produce = (async () => {
      const perBatchKeyed = KEYED / (TOTAL / BATCH);
      for (let b = 0; b < TOTAL / BATCH; b++) {
        const plain = Array.from({ length: BATCH - perBatchKeyed }, (_, i) => ({ n: b * BATCH + i, sleepMs: 2 + ((b * BATCH + i) % 9) }));
        const keyed = Array.from({ length: perBatchKeyed }, (_, i) => b * perBatchKeyed + i);
        // Each keyed task is enqueued twice, as a producer retrying after a lost ack would; keyed
        // and plain tasks are interleaved so kills hit both.
        const [handles, twice] = await Promise.all([
          client.enqueueMany(work, plain.map((payload) => ({ payload }))),
          Promise.all(
            keyed.flatMap((k) => {
              const p = { account: `acct-${k % 50}`, cents: 100 + k, sleepMs: 5 };
              return [client.enqueue(charge, p, { idempotencyKey: `order-${k}` }), client.enqueue(charge, p, { idempotencyKey: `order-${k}` })];
            }),
          ),
        ]);
        for (const h of handles) ids.add(h.id);
        for (let i = 0; i < twice.length; i += 2) {
          expect(twice[i + 1]!.id).toBe(twice[i]!.id);
          duplicateEnqueues += Number(twice[i]!.duplicate) + Number(twice[i + 1]!.duplicate);
          ids.add(twice[i]!.id);
          keyedIds.add(twice[i]!.id);
        }
        await sleep(250);
      }
    })();

    // Kill a random worker every 0.5-1.5 s and start a replacement, as a Deployment would.
    const kills: Array<{ at: number; worker: string; inFlightBefore: number | undefined }> = [];
    let producing = true;
    void produce.finally(() => (producing = false));
    while (kills.length < MIN_KILLS || producing) {
      await sleep(400 + Math.random() * 800);
      const victim = f.workers[Math.floor(Math.random() * f.workers.length)]!;
      const before = await readQueueState(nc, queue);
      await f.kill(victim, 'SIGKILL');
      kills.push({ at: Date.now() - t0, worker: victim.name, inFlightBefore: before.ackPending });
      await f.add();
    }
    await produce;
    const producedMs = Date.now() - t0;
    expect(ids.size).toBe(TOTAL);
    expect(duplicateEnqueues).toBe(KEYED); // exactly one of each pair was a duplicate

    await waitFor(() => drained(nc, queue), { timeoutMs: 90_000, what: 'queue drained' });
    const drainedMs = Date.now() - t0;
    const counts = await readQueueState(nc, queue);
    expect(counts.deadLetters).toBe(0);

    const ledger = await readLedger(nc, queue);
    const all = tally(ids, ledger.runs);
    const keyedRuns = tally(keyedIds, new Map([...ledger.runs].filter(([id]) => keyedIds.has(id))));
    // No loss: every enqueued task ran (and, the stream being empty with no dead letters, was acked).
    expect(all.missing).toEqual([]);
    expect(ledger.runs.size).toBe(TOTAL);
    // Keyed effects: exactly once each, however many times the task ran.
    expect(ledger.effects.size).toBe(KEYED);
    expect([...ledger.effects.values()].every((n) => n === 1)).toBe(true);
    expect([...ledger.effects.keys()].every((id) => keyedIds.has(id))).toBe(true);
    // The chaos bit: tasks held by killed workers were delivered again (attempt > 1).
    const redelivered = ledger.records.filter((r) => r.attempt > 1).length;
    expect(redelivered).toBeGreaterThan(0);
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);

    report('worker-sigkill', {
      tasks: TOTAL,
      keyed: KEYED,
      workers: WORKERS,
      kills: kills.length,
      inFlightAtKills: kills.map((k) => k.inFlightBefore),
      runs: ledger.records.length,
      duplicatedTasks: all.duplicatedIds,
      extraRuns: all.extraRuns,
      duplicateRate: Number((all.extraRuns / TOTAL).toFixed(4)),
      keyedTasksRunTwice: keyedRuns.duplicatedIds,
      keyedEffects: ledger.effects.size,
      redeliveredRuns: redelivered,
      producedMs,
      drainedMs,
    });
    await client.close();
  }, 180_000);

  // The two crash points a handler can see, made deterministic: the first attempt holds there
  // until the test kills its worker; the redelivery after the ack wait runs it to the end.
  it.each<HoldPoint>(['before-effect', 'after-effect'])('re-runs a task whose worker died %s and applies its effect once', async (hold) => {
    const nc = nats.nc();
    const { queue, fleet, client } = await setup(2);
    const handle = await client.enqueue(charge, { account: 'acct-1', cents: 4200, sleepMs: 1, hold }, { idempotencyKey: `crash-${hold}` });
    const first = await waitFor(async () => (await readLedger(nc, queue)).records.find((r) => r.id === handle.id), { what: 'first run' });
    if (hold === 'after-effect') await waitFor(async () => (await readLedger(nc, queue)).effects.size === 1, { what: 'effect applied' });
    const victim = fleet.workers.find((w) => w.name === first.worker)!;
    const killedAt = Date.now();
    await fleet.kill(victim, 'SIGKILL');
    await fleet.add();

    expect(await handle.result({ timeoutMs: 30_000 })).toEqual({ charged: 4200 });
    const recoveredMs = Date.now() - killedAt;
    await waitFor(() => drained(nc, queue), { what: 'queue drained' });
    const ledger = await readLedger(nc, queue);
    expect(ledger.runs.get(handle.id)).toBe(2);
    expect(ledger.effects.get(handle.id)).toBe(1);
    expect(await handle.status()).toMatchObject({ state: 'succeeded', attempts: 2 });
    report(`worker-sigkill ${hold}`, { recoveredMs, ackWaitMs: ACK_WAIT_MS });
    await client.close();
  }, 60_000);
});
