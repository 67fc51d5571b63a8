// Periodic schedules (beat) on a real nats-server: the server fires them, a Worker counts ticks.
// client.schedule() for app-made schedules; syncSchedules (the operator's step) for spec.schedules.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, declareTask, defineTask } from 'celeriac';
import { withTaskQueueDefaults, type TaskQueue } from '@celeriac/crds';
import { removeAllSchedules, syncSchedules } from '../../operator/src/taskqueue/schedules.ts';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const tick = declareTask<{ n: number }, number>('beat.tick');
interface Tick {
  id: string;
  at: number;
  payload: { n: number };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gaps = (ticks: readonly Tick[]) => ticks.slice(1).map((t, i) => t.at - ticks[i]!.at);

describe('periodic schedules', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** A queue with a worker that records every tick it runs. */
  async function serve(prefix: string) {
    const queue = uniqueQueue(prefix);
    await createQueue(nats.nc, queue);
    const ticks: Tick[] = [];
    const impl = defineTask(tick, (payload, ctx) => {
      ticks.push({ id: ctx.id, at: Date.now(), payload });
      return payload.n;
    });
    const worker = new Worker(nats.nc, { queue, tasks: [impl], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(1000));
    await worker.start();
    return { queue, ticks, client: new Client(nats.nc, { queue }) };
  }

  const taskQueue = (queue: string, schedules: NonNullable<TaskQueue['spec']['schedules']>): TaskQueue => ({
    apiVersion: 'celeriac.dev/v1alpha1',
    kind: 'TaskQueue',
    metadata: { name: queue, namespace: 'default', generation: 1 },
    spec: withTaskQueueDefaults({ schedules }),
  });

  it('fires an app schedule every 2 s, once per tick, each tick with its own id and result; unschedule stops it', async () => {
    const { ticks, client } = await serve('beat-app');
    const made = await client.schedule({ name: 'every2', task: tick, every: '2s', payload: { n: 7 } });
    expect(made).toMatchObject({ name: 'every2', task: 'beat.tick', specification: '@every 2s', payload: { n: 7 } });
    expect(await client.schedules()).toEqual([made]);

    await waitFor(() => ticks.length >= 6, { timeoutMs: 20_000, what: '6 ticks' });
    expect(new Set(ticks.map((t) => t.id)).size).toBe(ticks.length);
    for (const t of ticks) {
      expect(t.id).toMatch(/^periodic\.app\.every2\.\d+$/);
      expect(t.payload).toEqual({ n: 7 });
    }
    for (const gap of gaps(ticks)) {
      expect(gap).toBeGreaterThan(1500);
      expect(gap).toBeLessThan(2500);
    }
    const record = await waitFor(() => client.status(ticks[0]!.id).then((r) => (r?.state === 'succeeded' ? r : undefined)));
    expect(record.result).toBe(7);

    await client.unschedule('every2');
    const after = ticks.length;
    expect(await client.schedules()).toEqual([]);
    await sleep(3000);
    expect(ticks.length).toBe(after);
  });

  it('syncs spec.schedules: an edit takes effect within a second, removal stops it, app schedules are left alone', async () => {
    const { queue, ticks, client } = await serve('beat-op');
    await client.schedule({ name: 'customer-1', task: tick, every: '1h', payload: { n: 0 } });

    const first = await syncSchedules(nats.nc, queue, taskQueue(queue, [{ name: 'beat', task: 'beat.tick', every: '2s', payload: { n: 1 }, suspend: false }]), new Date());
    expect(first.scheduleCount).toBe(1);
    expect(Date.parse(first.schedules![0]!.nextFireTime!) - Date.now()).toBeLessThanOrEqual(2500);
    await waitFor(() => ticks.length >= 2, { timeoutMs: 10_000, what: 'two ticks' });
    expect(ticks.every((t) => t.id.startsWith('periodic.beat.'))).toBe(true);

    // An unchanged spec is not republished (that would restart the interval): the tick cadence holds.
    await syncSchedules(nats.nc, queue, taskQueue(queue, [{ name: 'beat', task: 'beat.tick', every: '2s', payload: { n: 1 }, suspend: false }]), new Date());
    const status = await syncSchedules(nats.nc, queue, taskQueue(queue, [{ name: 'beat', task: 'beat.tick', every: '2s', payload: { n: 1 }, suspend: false }]), new Date());
    await waitFor(() => status.schedules && ticks.length >= 3, { timeoutMs: 10_000 });
    expect(gaps(ticks).every((g) => g > 1500 && g < 2500)).toBe(true);

    // Edit: every 1 s with a new payload.
    const edited = Date.now();
    await syncSchedules(nats.nc, queue, taskQueue(queue, [{ name: 'beat', task: 'beat.tick', every: '1s', payload: { n: 2 }, suspend: false }]), new Date());
    await waitFor(() => ticks.filter((t) => t.payload.n === 2).length >= 3, { timeoutMs: 10_000, what: 'ticks at the new interval' });
    const fresh = ticks.filter((t) => t.payload.n === 2);
    expect(fresh[0]!.at - edited).toBeLessThan(1500);
    expect(gaps(fresh).every((g) => g > 500 && g < 1500)).toBe(true);

    // The status names the last tick, read from its result record.
    const withLast = await syncSchedules(nats.nc, queue, taskQueue(queue, [{ name: 'beat', task: 'beat.tick', every: '1s', payload: { n: 2 }, suspend: false }]), new Date());
    expect(withLast.schedules![0]!.lastTaskId).toMatch(/^periodic\.beat\.\d+$/);
    expect(ticks.map((t) => t.id)).toContain(withLast.schedules![0]!.lastTaskId);

    // Removed from the spec: no more ticks; the app's schedule stays.
    await syncSchedules(nats.nc, queue, taskQueue(queue, []), new Date());
    await sleep(300); // a tick already fired may still be running
    const count = ticks.length;
    await sleep(2000);
    expect(ticks.length).toBe(count);
    expect((await client.schedules()).map((s) => s.name)).toEqual(['customer-1']);

    // A retained queue's deletion removes every schedule, the app's too.
    await removeAllSchedules(nats.nc, queue);
    expect(await client.schedules()).toEqual([]);
  });

  it('reports a schedule the server refuses in its status and keeps the others', async () => {
    const { queue } = await serve('beat-bad');
    const status = await syncSchedules(
      nats.nc,
      queue,
      taskQueue(queue, [
        { name: 'never', task: 'beat.tick', cron: '0 0 0 30 2 *', suspend: false },
        { name: 'hourly', task: 'beat.tick', cron: '@hourly', timeZone: 'Europe/Berlin', suspend: false },
        { name: 'off', task: 'beat.tick', every: '1s', suspend: true },
      ]),
      new Date(),
    );
    expect(status.scheduleCount).toBe(1);
    const [never, hourly, off] = status.schedules!;
    expect(never!.message).toMatch(/NATS refused the schedule/);
    expect(hourly!.message).toBeUndefined();
    expect(new Date(hourly!.nextFireTime!).getUTCMinutes()).toBe(0);
    expect(off!.message).toBe('suspended');
  });
});
