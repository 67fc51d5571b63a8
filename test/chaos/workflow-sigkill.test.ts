// Worker processes are SIGKILLed at random while chords and chains run. Proves: every chord's
// callback runs from one message only (a re-run after a kill is the same message, attempt > 1),
// gets every member's result in order and applies its effect once; every chain link likewise;
// and every workflow finishes. The issue asks for 1,000 chords of 20; this runs 100 of 20 (and
// CHAINS of 5 links) to stay under a minute on the 2-core test machine. The full size is opt-in:
// CELERIAC_CHAOS_WF_CHORDS=1000 (a multiple of 10), and CELERIAC_CHAOS_WF_MEMBERS=100 runs chords
// big enough for the sharded member count (docs/concepts.md#workflows, docs/testing.md).
import { describe, expect, it } from 'vitest';
import { chain, chord, group, sig, startWorkflow, type WorkflowHandle } from 'celeriac';
import { readLedger } from '../support/chaos-ledger.ts';
import { drained, report, sleep, useChaosNats } from '../support/chaos.ts';
import { waitFor } from '../support/queue.ts';
import { collect, increment, square } from '../support/workflow-tasks.ts';

const CHORDS = Number(process.env.CELERIAC_CHAOS_WF_CHORDS ?? 100);
const MEMBERS = Number(process.env.CELERIAC_CHAOS_WF_MEMBERS ?? 20);
/** Time limits grow with the work: the default size is 2,000 member tasks. */
const SCALE = Math.max(1, (CHORDS * MEMBERS) / 2_000);
const CHAINS = 50;
const LINKS = 5;
const WORKERS = 3;
const MIN_KILLS = 5;
/** A dead worker's tasks come back after the ack wait: short, so the test runs in seconds. */
const ACK_WAIT_MS = 3_000;

describe('workflows while worker processes are SIGKILLed at random', () => {
  const nats = useChaosNats();

  it(`runs ${CHORDS} chords of ${MEMBERS} and ${CHAINS} chains of ${LINKS}: each callback and link once, with every result`, async () => {
    const nc = nats.nc();
    const { queue, fleet, client } = await nats.queue({ workers: WORKERS, modules: ['test/support/workflow-tasks.ts'], settings: { ackWaitMs: ACK_WAIT_MS } });
    const t0 = Date.now();
    const chords: Array<WorkflowHandle<number[]>> = [];
    const chains: Array<WorkflowHandle<number>> = [];

    // Start workflows in batches while workers die, so kills hit starts, members, callbacks and links.
    const produce = (async () => {
      for (let b = 0; b < 10; b++) {
        const batch = Array.from({ length: CHORDS / 10 }, (_, i) => {
          const members = Array.from({ length: MEMBERS }, (_, m) => sig(square, { n: m, sleepMs: 1 + ((b + i + m) % 7) }));
          return startWorkflow(client, chord(group(members), collect), { queue });
        });
        const links = Array.from({ length: CHAINS / 10 }, (_, i) => startWorkflow(client, chain(sig(increment, b * 100 + i), increment, increment, increment, increment), { queue }));
        chords.push(...(await Promise.all(batch)));
        chains.push(...(await Promise.all(links)));
        await sleep(300);
      }
    })();

    const kills: number[] = [];
    let producing = true;
    void produce.finally(() => (producing = false));
    while (kills.length < MIN_KILLS || producing) {
      await sleep(400 + Math.random() * 800);
      const victim = fleet.workers[Math.floor(Math.random() * fleet.workers.length)]!;
      await fleet.kill(victim, 'SIGKILL');
      kills.push(Date.now() - t0);
      await fleet.add();
    }
    await produce;

    const squares = Array.from({ length: MEMBERS }, (_, m) => m * m);
    const chordResults = await Promise.all(chords.map((h) => h.result({ timeoutMs: 60_000 * SCALE })));
    for (const r of chordResults) expect(r).toEqual(squares);
    const chainResults = await Promise.all(chains.map((h) => h.result({ timeoutMs: 60_000 })));
    expect(chainResults).toEqual(Array.from({ length: CHAINS }, (_, k) => Math.floor(k / (CHAINS / 10)) * 100 + (k % (CHAINS / 10)) + LINKS));
    const finishedMs = Date.now() - t0;
    await waitFor(() => drained(nc, queue), { timeoutMs: 30_000, what: 'queue drained' });

    const ledger = await readLedger(nc, queue);
    const callbackIds = chords.map((h) => `wf-${h.id}-1`);
    const linkIds = chains.flatMap((h) => Array.from({ length: LINKS }, (_, l) => `wf-${h.id}-${l}`));
    // One message per callback and per link: a second message would run again from attempt 1.
    const firstRuns = new Map<string, number>();
    for (const r of ledger.records) if (r.attempt === 1) firstRuns.set(r.id, (firstRuns.get(r.id) ?? 0) + 1);
    const doubled = [...callbackIds, ...linkIds].filter((id) => (firstRuns.get(id) ?? 0) > 1);
    expect(doubled).toEqual([]);
    // Every callback and link ran and applied its effect exactly once.
    for (const id of [...callbackIds, ...linkIds]) {
      expect(ledger.runs.get(id), id).toBeGreaterThanOrEqual(1);
      expect(ledger.effects.get(id), id).toBe(1);
    }
    const redelivered = ledger.records.filter((r) => r.attempt > 1).length;
    expect(redelivered).toBeGreaterThan(0); // the kills did hit running tasks
    expect(fleet.crashes).toEqual([]);

    report('workflow-sigkill', {
      chords: CHORDS,
      members: MEMBERS,
      chains: CHAINS,
      links: LINKS,
      workers: WORKERS,
      kills: kills.length,
      runs: ledger.records.length,
      redeliveredRuns: redelivered,
      callbacksRerun: callbackIds.filter((id) => (ledger.runs.get(id) ?? 0) > 1).length,
      finishedMs,
    });
    await client.close();
  }, 180_000 * SCALE);
});
