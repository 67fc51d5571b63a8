// A worker process SIGKILLed while it holds a tenant's concurrency slots: nothing gives them back
// but their TTL. Proves: the slots are free again within the documented bound (the slot TTL,
// plus the server's expiry sweep), nobody runs the tenant past its limit meanwhile, and every
// task still completes, with the attempt count a lost delivery costs (2), no more.
import { afterEach, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import { Client } from 'celeriac';
import { slotBucketName } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, uniqueQueue, waitFor } from '../support/queue.ts';
import { startWorkerFleet, type WorkerFleet } from '../support/worker-fleet.ts';
import { tenantWork } from '../support/key-tasks.ts';
import { report } from '../support/chaos.ts';

/** Short, so the test runs in seconds; the bound scales with it (DEFAULTS.concurrencySlotTtlMs in production). */
const SLOT_TTL_MS = 3_000;
/** Longer than a key wait (2 s): a task that waits in the client's prefetch buffer is not redelivered meanwhile. */
const ACK_WAIT_MS = 4_000;
/** The server removes expired messages on a sweep: the documented bound allows it one second. */
const SWEEP_MS = 1_000;

async function slotKeys(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return keys;
}

describe('a worker SIGKILLed while holding concurrency slots', () => {
  const nats = useNats();
  const fleets: WorkerFleet[] = [];
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.stop(2_000)));
  });

  it('frees its slots within the slot TTL, and every task of the tenant still completes', async () => {
    const queue = uniqueQueue('keykill');
    await createQueue(nats.nc, queue, { ackWaitMs: ACK_WAIT_MS, concurrencySlotTtlMs: SLOT_TTL_MS });
    const kv = await new Kvm(nats.nc).open(slotBucketName(queue));
    const fleet = await startWorkerFleet({ natsUrls: [nats.server.url], queue, taskModules: ['test/support/key-tasks.ts'], size: 1, env: { CELERIAC_CONCURRENCY: '6' } });
    fleets.push(fleet);
    await waitFor(() => fleet.allReady(), { timeoutMs: 30_000, what: 'worker ready' });
    const client = new Client(nats.nc, { queue });

    // Two tasks take tenant a's two slots and hang; two more of a wait behind them; b is independent.
    const hung = await client.enqueueMany(tenantWork, [0, 1].map(() => ({ payload: { tenant: 'a', ms: 50, hangFirst: true } })));
    await waitFor(async () => (await slotKeys(kv)).length === 2 || undefined, { what: 'both slots of a held' });
    const waiting = await client.enqueueMany(tenantWork, [0, 1].map(() => ({ payload: { tenant: 'a', ms: 50 } })));
    const other = await client.enqueue(tenantWork, { tenant: 'b', ms: 50 });
    expect((await other.result({ timeoutMs: 10_000 })).attempt).toBe(1);
    const held = await slotKeys(kv);
    expect(held).toHaveLength(2);

    const killedAt = Date.now();
    await fleet.kill(fleet.workers[0]!, 'SIGKILL');
    // The dead worker's entries as it left them: any later change (expiry, a new holder) frees them.
    const dead = await Promise.all(held.map(async (k) => ({ key: k, revision: (await kv.get(k))!.revision })));
    // A replacement pod starts at once: it must not run tenant a before the dead pod's slots expire.
    await fleet.add();
    await waitFor(async () => (await Promise.all(dead.map(async (d) => (await kv.get(d.key))?.revision !== d.revision))).every(Boolean) || undefined, {
      timeoutMs: SLOT_TTL_MS + SWEEP_MS + 5_000,
      what: "the dead worker's slots expired",
    });
    const freedMs = Date.now() - killedAt;
    report('key-concurrency-sigkill', { slotTtlMs: SLOT_TTL_MS, freedMs });
    expect(freedMs).toBeLessThanOrEqual(SLOT_TTL_MS + SWEEP_MS);

    // The hung tasks come back after the ack wait and run again (attempt 2); the waiting ones run
    // on their first attempt or, if the dead worker held them in its slots, their second.
    const again = await Promise.all(hung.map((h) => h.result({ timeoutMs: 30_000 })));
    expect(again.map((r) => r.attempt)).toEqual([2, 2]);
    const late = await Promise.all(waiting.map((h) => h.result({ timeoutMs: 30_000 })));
    for (const r of late) expect([1, 2]).toContain(r.attempt);
    // None of a's tasks started while the dead worker's slots still counted: they were renewed at
    // most a third of the TTL before the kill, so they lived at least two thirds of it after.
    for (const r of [...again, ...late]) expect(r.startedAt).toBeGreaterThanOrEqual(killedAt + SLOT_TTL_MS - SLOT_TTL_MS / 3);
    expect(fleet.crashes).toEqual([]);
  });
});
