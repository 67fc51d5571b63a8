// Poison messages, a flood of malformed ones and near-limit payloads, mixed into the same queue as
// healthy tasks. Proves: every healthy task runs, every bad message ends in the dead letters with
// its reason (none is retried forever, none crashes a worker), oversized enqueues are refused to
// the producer, and the healthy tasks are slowed by no more than the bound docs/reliability.md
// states (measured against the same healthy load without the flood, and logged).
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { Client, listDeadLetters } from 'celeriac';
import { queueNames, taskSubject } from 'celeriac/protocol';
import { work } from '../support/chaos-tasks.ts';
import { readLedger } from '../support/chaos-ledger.ts';
import { drained, percentile, report, useChaosNats } from '../support/chaos.ts';
import { alwaysFails, hangs, killsItsWorker } from '../support/poison-tasks.ts';
import { createQueue, uniqueQueue, waitFor } from '../support/queue.ts';

const HEALTHY = 3_000;
const FLOOD = { notJson: 1_000, badUtf8: 1_000, unknownTask: 1_000, nearLimit: 30, failing: 300, hanging: 8 };
/** Deliveries of bad messages: once each for those dead-lettered at sight, maxAttempts for the failing and hanging. */
const BAD_DELIVERIES = FLOOD.notJson + FLOOD.badUtf8 + FLOOD.unknownTask + FLOOD.nearLimit + FLOOD.failing * 3 + FLOOD.hanging * 2;
/**
 * The bound docs/reliability.md states: a bad delivery costs a worker at most about three healthy
 * tasks (a dead-letter copy and a final record, each awaited, against a healthy task's one
 * pipelined result record), nothing is retried without backoff or more than maxAttempts times, so
 * H healthy tasks mixed with D bad deliveries take at most 3 x (1 + D/H) as long as alone. It was
 * 2 x until healthy tasks' result records were pipelined (issue 12), which made them about 1.5x
 * cheaper and left the dead-letter path as it was: measured 4.3 to 5.5 since, against 2.0 to 3.2.
 */
const SLOWDOWN_BOUND = 3 * (1 + BAD_DELIVERIES / HEALTHY);
const NEAR_LIMIT_BYTES = 900 * 1024; // under NATS' default max_payload (1 MiB)

/** A deterministic shuffle, so runs interleave bad and healthy messages alike. */
function shuffle<T>(items: T[], seed = 42): T[] {
  let s = seed;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('poison messages, malformed floods and oversized payloads', () => {
  const nats = useChaosNats();
  const POISON_MODULE = 'test/support/poison-tasks.ts';

  /** Sends healthy tasks (and the flood, if asked) in one shuffled stream; measures the healthy ones. */
  async function run(withFlood: boolean) {
    const nc = nats.nc();
    const { queue, fleet, client } = await nats.queue({ workers: 2, modules: [POISON_MODULE], settings: { ackWaitMs: 10_000 } });
    const js = jetstream(nc);
    const enqueuedAt = new Map<string, number>();
    const raw = (subject: string, body: Uint8Array) => () => js.publish(subject, body).then(() => undefined);
    const sends: Array<() => Promise<void>> = Array.from({ length: HEALTHY }, (_, n) => async () => {
      const h = await client.enqueue(work, { n, sleepMs: 2 });
      enqueuedAt.set(h.id, Date.now());
    });
    if (withFlood) {
      const workSubject = taskSubject(queue, work.name);
      const junk = new TextEncoder().encode('x'.repeat(NEAR_LIMIT_BYTES));
      for (let n = 0; n < FLOOD.notJson; n++) sends.push(raw(workSubject, new TextEncoder().encode(`{"n": ${n}, oops`)));
      for (let n = 0; n < FLOOD.badUtf8; n++) sends.push(raw(workSubject, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
      for (let n = 0; n < FLOOD.unknownTask; n++) sends.push(raw(taskSubject(queue, 'no.such.task'), new TextEncoder().encode('{}')));
      for (let n = 0; n < FLOOD.nearLimit; n++) sends.push(raw(workSubject, junk));
      for (let n = 0; n < FLOOD.failing; n++) sends.push(() => client.enqueue(alwaysFails, { n }).then(() => undefined));
      for (let n = 0; n < FLOOD.hanging; n++) sends.push(() => client.enqueue(hangs, { n }).then(() => undefined));
    }
    shuffle(sends);
    const t0 = Date.now();
    for (let i = 0; i < sends.length; i += 256) await Promise.all(sends.slice(i, i + 256).map((send) => send()));
    await waitFor(() => drained(nc, queue), { timeoutMs: 90_000, what: 'queue drained' });

    const ledger = await readLedger(nc, queue);
    const healthyRuns = ledger.records.filter((r) => enqueuedAt.has(r.id));
    expect(new Set(healthyRuns.map((r) => r.id)).size).toBe(HEALTHY);
    const first = new Map<string, number>();
    for (const r of healthyRuns) if (!first.has(r.id)) first.set(r.id, r.at);
    const latencies = [...first].map(([id, at]) => at - enqueuedAt.get(id)!).sort((a, b) => a - b);
    const jsm = await jetstreamManager(nc);
    const dead = (await jsm.streams.info(queueNames(queue).deadLetterStream, { subjects_filter: '>' })).state.subjects ?? {};
    const alive = await Promise.all(fleet.workers.map(async (w) => w.child.exitCode === null && (await w.ready())));
    await client.close();
    await fleet.stop(2_000); // idle workers of earlier runs must not share the machine with later ones
    return {
      queue,
      makespanMs: Math.max(...first.values()) - t0,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      dead,
      alive,
      output: fleet.output(),
    };
  }

  it('runs every healthy task, dead-letters every bad message with its reason, and bounds the slowdown', async () => {
    // Alternated and best-of-two, so a burst of load from other tests on a shared machine does
    // not land on one side of the comparison only.
    const runs: Array<{ withFlood: boolean } & Awaited<ReturnType<typeof run>>> = [];
    for (const withFlood of [false, true, false, true]) runs.push({ withFlood, ...(await run(withFlood)) });
    const best = (flood: boolean) => runs.filter((r) => r.withFlood === flood).sort((a, b) => a.makespanMs - b.makespanMs)[0]!;
    const baseline = best(false);
    const flooded = best(true);

    for (const r of runs) {
      const deadOn = (task: string) => r.dead[`celeriac.${r.queue}.dead.${task}`] ?? 0;
      if (!r.withFlood) {
        expect(Object.keys(r.dead)).toEqual([]);
        continue;
      }
      // Every bad message is dead-lettered once, under its own task's subject.
      expect(deadOn(work.name)).toBe(FLOOD.notJson + FLOOD.badUtf8 + FLOOD.nearLimit);
      expect(deadOn('no.such.task')).toBe(FLOOD.unknownTask);
      expect(deadOn(alwaysFails.name)).toBe(FLOOD.failing);
      expect(deadOn(hangs.name)).toBe(FLOOD.hanging);
      // No input took a worker down. (An exception thrown outside any task does, by design: the
      // process is replaced; test/integration/worker-crash.test.ts covers that.)
      expect(r.alive).toEqual([true, true]);
    }

    const slowdown = flooded.makespanMs / baseline.makespanMs;
    report('poison', {
      healthy: HEALTHY,
      flood: FLOOD,
      makespansMs: runs.map((r) => `${r.withFlood ? 'flood' : 'base'} ${r.makespanMs}`),
      baseline: { makespanMs: baseline.makespanMs, p50: baseline.p50, p99: baseline.p99 },
      flooded: { makespanMs: flooded.makespanMs, p50: flooded.p50, p99: flooded.p99 },
      badDeliveriesPerHealthy: Number((BAD_DELIVERIES / HEALTHY).toFixed(2)),
      slowdown: Number(slowdown.toFixed(2)),
      bound: Number(SLOWDOWN_BOUND.toFixed(2)),
    });
    expect(slowdown).toBeLessThan(SLOWDOWN_BOUND);
  }, 180_000);

  it('refuses an enqueue above the server max_payload to the producer, with nothing queued', async () => {
    const nc = nats.nc();
    const queue = uniqueQueue('poison');
    await createQueue(nc, queue, { storage: 'file' });
    const client = new Client(nc, { queue });
    await expect(client.enqueue(work, { n: 0, sleepMs: 0, pad: 'x'.repeat(1024 * 1024 + 1) } as never)).rejects.toThrow(/payload/i);
    const info = await (await jetstreamManager(nc)).streams.info(queueNames(queue).stream);
    expect(info.state.messages).toBe(0);
    await client.close();
  });

  it('dead-letters a task that kills every worker running it after maxAttempts deaths, while healthy tasks go on', async () => {
    const nc = nats.nc();
    const { queue, fleet, client } = await nats.queue({
      workers: 2,
      modules: [POISON_MODULE],
      settings: { ackWaitMs: 2_000 },
      env: { CELERIAC_CONCURRENCY: '4' },
      restartOnExit: true,
    });
    const killer = await client.enqueue(killsItsWorker, { n: 0 });
    const healthy = await client.enqueueMany(work, Array.from({ length: 200 }, (_, n) => ({ payload: { n, sleepMs: 20 } })));

    await waitFor(() => drained(nc, queue), { timeoutMs: 60_000, what: 'queue drained' });
    // maxAttempts (2) runs, each killing its worker; the third delivery is dead-lettered unrun.
    expect(fleet.crashes.map((c) => c.exit)).toEqual(['SIGKILL', 'SIGKILL']);
    const [letter, ...more] = await listDeadLetters(nc, queue);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ reason: 'max-attempts', attempts: 3 });
    expect(await killer.status()).toMatchObject({ state: 'failed', attempts: 3 });
    const ledger = await readLedger(nc, queue);
    expect(healthy.every((h) => ledger.runs.has(h.id))).toBe(true);
    report('poison kills-worker', { workerDeaths: fleet.crashes.length, deadLetterReason: letter?.reason });
    await client.close();
  }, 90_000);
});
