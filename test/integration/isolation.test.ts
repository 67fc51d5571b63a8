// Time limits and isolation on a real nats-server: an isolated task that never yields is killed at
// its hard limit while short in-process tasks beside it run on time; an isolated task that outgrows
// its heap fails with MemoryLimitError and the worker lives on; isolated tasks hear their soft
// limit and cancels through ctx.signal; an in-process task deaf to its signal is abandoned.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, TaskFailedError, Worker, defineTask, listDeadLetters, type TaskDefinition, type WorkerOptions } from 'celeriac';
import { workerStatusSubject } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';
import * as tasks from '../support/isolated-tasks.ts';

/**
 * The longest a short in-process task may wait, from its enqueue to its handler, and the longest
 * gap between the worker's 200 ms heartbeats, while an isolated task spins beside it. Measured on
 * the shared 2-core machine (load average about 20, four runs): at most 106 ms and 332 ms. Without
 * isolation the spinning handler holds the event loop: no task starts, no heartbeat goes out.
 */
const QUICK_TASK_BOUND_MS = 1_000;
/** The worker's status heartbeat in that test: none may be missing for longer than the bound. */
const HEARTBEAT_MS = 200;

const kinds = [
  { kind: 'thread', spin: tasks.spinThread, hog: tasks.hogThread, echo: tasks.echoThread, polite: tasks.politeThread },
  { kind: 'process', spin: tasks.spinProcess, hog: tasks.hogProcess, echo: tasks.echoProcess, polite: tasks.politeProcess },
] as const;

describe('time limits and isolation', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  async function startWorker(defs: TaskDefinition<any, any>[], concurrency = 8, heartbeatIntervalMs = 0, extra: Partial<WorkerOptions> = {}) {
    const queue = uniqueQueue('iso');
    await createQueue(nats.nc, queue);
    const worker = new Worker(nats.nc, { queue, tasks: defs, concurrency, logger: testLogger, heartbeatIntervalMs, ...extra });
    closers.push(() => worker.close(2_000));
    await worker.start();
    return { worker, queue, client: new Client(nats.nc, { queue }) };
  }

  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as TaskFailedError);

  describe.each(kinds)('in a $kind', ({ kind, spin, hog, echo, polite }) => {
    it('kills a busy-looping task at its hard limit, retries then dead-letters it, while in-process tasks beside it run at once on their first attempt', async () => {
      const seen: { n: number; attempt: number; lateMs: number }[] = [];
      const quick = defineTask('iso.quick', (p: { n: number; at: number }, ctx) => {
        seen.push({ n: p.n, attempt: ctx.attempt, lateMs: Date.now() - p.at });
        return p.n;
      });
      const { client, queue, worker } = await startWorker([spin, quick], 8, HEARTBEAT_MS);
      const heartbeats: number[] = [];
      const sub = nats.nc.subscribe(workerStatusSubject(queue), { callback: () => void heartbeats.push(Date.now()) });
      const beat = join(mkdtempSync(join(tmpdir(), 'celeriac-spin-')), 'beat');
      const spinning = await client.enqueue(spin, { beat });
      // A short task every 50 ms while both attempts spin (hard limit 1.5 s each, checked each second).
      const handles = [];
      for (let n = 0, t0 = Date.now(); Date.now() - t0 < 3_000; n++) {
        handles.push(await client.enqueue(quick, { n, at: Date.now() }));
        await sleep(50);
      }
      const err = await failure(spinning.result({ timeoutMs: 15_000 }));
      sub.unsubscribe();
      // The worker's status went out on time all along: its event loop was never held.
      const gaps = heartbeats.slice(1).map((t, i) => t - heartbeats[i]!);
      expect(heartbeats.length).toBeGreaterThan(10);
      expect(gaps.filter((g) => g > QUICK_TASK_BOUND_MS)).toEqual([]);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect(err?.state).toBe('failed');
      expect(err?.remote).toMatchObject({ type: 'HardTimeLimitError', message: expect.stringContaining('its runner was killed') });
      expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual(handles.map((_, n) => n));
      expect(seen.filter((s) => s.attempt !== 1)).toEqual([]);
      expect(seen.filter((s) => s.lateMs > QUICK_TASK_BOUND_MS)).toEqual([]);
      const dead = await listDeadLetters(nats.nc, queue);
      expect(dead.map((d) => ({ reason: d.reason, attempts: d.attempts }))).toEqual([{ reason: 'max-attempts', attempts: 2 }]);
      // Stopped for real: nothing spins on (an abandoned loop would go on beating).
      const beats = statSync(beat).size;
      expect(beats).toBeGreaterThan(0);
      await sleep(500);
      expect(statSync(beat).size).toBe(beats);
      // The kills counted (one only when the second attempt's limit passed while its replacement
      // was still loading: a process takes over a second to start here), starts timed, the pool warm again.
      const labels = `queue="${queue}",task="${spin.name}",kind="${kind}"`;
      const text = await worker.metrics.registry.metrics();
      expect(text).toMatch(new RegExp(`celeriac_isolated_runners_ended_total\\{${labels},reason="time-limit"\\} [12]\n`));
      expect(text).toMatch(new RegExp(`celeriac_isolated_runner_start_seconds_count\\{${labels}\\} [1-9]`));
      await waitFor(async () => (await worker.metrics.registry.metrics()).includes(`celeriac_isolated_runners{${labels}} 1`), { what: 'one warm runner' });
    });

    it('fails a task that outgrows its memory limit with MemoryLimitError, and the worker and its next isolated task run on', async () => {
      const quick = defineTask('iso.quick', (p: number) => p + 1);
      const logs: Array<Record<string, unknown>> = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
      const { client, worker, queue } = await startWorker([hog, echo, quick], 8, 0, { logger });
      const err = await failure(client.enqueue(hog, {}).then((h) => h.result({ timeoutMs: 20_000 })));
      expect(err).toBeInstanceOf(TaskFailedError);
      expect(err?.remote).toMatchObject({ type: 'MemoryLimitError', message: expect.stringContaining('64 MiB') });
      expect(await worker.metrics.registry.metrics()).toContain(`celeriac_isolated_runners_ended_total{queue="${queue}",task="${hog.name}",kind="${kind}",reason="memory"} 1`);
      expect(logs.filter((l) => l.msg === 'isolated runner ended')).toEqual([
        expect.objectContaining({ task: hog.name, kind, reason: 'memory', id: expect.any(Number), error: expect.stringContaining('64 MiB') }),
      ]);
      expect(worker.ready).toBe(true);
      expect(await (await client.enqueue(quick, 1)).result()).toBe(2);
      const out = (await (await client.enqueue(echo, { n: 7 })).result({ timeoutMs: 10_000 })) as { n: number; pid: number; threadId: number };
      expect(out.n).toBe(7);
      // It ran elsewhere: another thread of this process, or another process.
      expect(out.pid !== process.pid || out.threadId !== threadId).toBe(true);
    });

    it('fires its signal at the soft limit: the handler returns, and the attempt succeeds', async () => {
      const { client } = await startWorker([polite]);
      expect(await (await client.enqueue(polite, {})).result({ timeoutMs: 10_000 })).toBe('stopped by TaskTimeoutError');
    });

    it('returns values across; a PermanentError thrown inside, or a result no clone can carry, dead-letters the task at once', async () => {
      const { client, queue } = await startWorker([echo]);
      expect(await (await client.enqueue(echo, { n: 1 })).result({ timeoutMs: 10_000 })).toMatchObject({ n: 1, attempt: 1, task: echo.name });
      const err = await failure(client.enqueue(echo, { n: 2, fail: true }).then((h) => h.result({ timeoutMs: 10_000 })));
      expect(err?.remote).toMatchObject({ message: 'refused 2', type: 'PermanentError' });
      const unclonable = await failure(client.enqueue(echo, { n: 3, unclonable: true }).then((h) => h.result({ timeoutMs: 10_000 })));
      expect(unclonable?.remote).toMatchObject({ message: expect.stringContaining('result cannot leave the isolated task'), type: 'PermanentError' });
      const dead = await listDeadLetters(nats.nc, queue);
      expect(dead.map((d) => d.reason)).toEqual(['permanent-error', 'permanent-error']);
    });
  });

  it('forwards a cancel to an isolated task through its signal; one deaf to it is killed after the grace, ending cancelled', async () => {
    const { client, worker, queue } = await startWorker([tasks.patientThread, tasks.deafThread, tasks.echoThread]);
    const patient = await client.enqueue(tasks.patientThread, {});
    const deaf = await client.enqueue(tasks.deafThread, {});
    await waitFor(async () => (await client.status(patient.id))?.state === 'started' && (await client.status(deaf.id))?.state === 'started', { what: 'both started' });
    await client.cancel(patient.id);
    const cancelledAt = Date.now();
    await client.cancel(deaf.id);
    // Both end cancelled: the patient one when its handler returns, the deaf one when the grace
    // (2 s) after its signal has passed and its runner is killed. Their limits are a minute away.
    const patientErr = await failure(patient.result({ timeoutMs: 10_000 }));
    expect(patientErr?.state).toBe('cancelled');
    const deafErr = await failure(deaf.result({ timeoutMs: 10_000 }));
    expect(deafErr?.state).toBe('cancelled');
    const deafRecord = await client.status(deaf.id);
    expect((deafRecord?.finishedAt ?? 0) - cancelledAt).toBeGreaterThanOrEqual(2_000);
    const ends = await worker.metrics.registry.metrics();
    expect(ends).toContain(`celeriac_isolated_runners_ended_total{queue="${queue}",task="${tasks.deafThread.name}",kind="thread",reason="cancelled"} 1`);
    // The patient one heeded its signal: its runner lives on, warm.
    expect(ends).not.toContain(`task="${tasks.patientThread.name}",kind="thread",reason=`);
    // The killed runner was replaced.
    expect(await (await client.enqueue(tasks.echoThread, { n: 3 })).result({ timeoutMs: 10_000 })).toMatchObject({ n: 3 });
  });

  it("kills an isolated task that sets no hard limit at the worker's default hard limit", async () => {
    const { client } = await startWorker([tasks.spinNoHardThread], 8, 0, { defaultTimeoutMs: 1_000, defaultHardTimeLimitMs: 1_500 });
    const err = await failure(client.enqueue(tasks.spinNoHardThread, {}).then((h) => h.result({ timeoutMs: 10_000 })));
    // Without the default its soft limit (300 ms) would end it as a TaskTimeoutError.
    expect(err?.remote).toMatchObject({ type: 'HardTimeLimitError', message: expect.stringContaining('hard time limit of 1500 ms; its runner was killed') });
  });

  it('abandons an in-process handler deaf to its signal at the hard limit and frees its slot; one that heeds the soft limit succeeds', async () => {
    let lateFinish = false;
    const stubborn = defineTask(
      'iso.stubborn',
      async () => {
        await sleep(5_000);
        lateFinish = true;
        return 'late';
      },
      { timeoutMs: 200, hardTimeLimitMs: 600, retry: { maxAttempts: 1 } },
    );
    const tidy = defineTask(
      'iso.tidy',
      async (_: unknown, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        await sleep(100); // cleaning up, past the soft limit
        return 'cleaned up';
      },
      { timeoutMs: 200, hardTimeLimitMs: 5_000 },
    );
    const quick = defineTask('iso.quick', () => 'ran');
    const { client } = await startWorker([stubborn, tidy, quick], 1);
    const s = await client.enqueue(stubborn, {});
    const q = await client.enqueue(quick, {});
    const err = await failure(s.result({ timeoutMs: 10_000 }));
    expect(err?.remote).toMatchObject({ type: 'HardTimeLimitError', message: expect.stringContaining('abandoned') });
    // Concurrency 1: the next task ran in the abandoned handler's slot, before it woke.
    expect(await q.result({ timeoutMs: 10_000 })).toBe('ran');
    expect(lateFinish).toBe(false);
    expect(await (await client.enqueue(tidy, {})).result({ timeoutMs: 10_000 })).toBe('cleaned up');
  });

  it('refuses to start when an isolated task is not exported by its module', async () => {
    const orphan = defineTask('iso.not-exported', () => 1, { isolation: 'thread', module: new URL('../support/isolated-tasks.ts', import.meta.url).href });
    const queue = uniqueQueue('iso');
    await createQueue(nats.nc, queue);
    const worker = new Worker(nats.nc, { queue, tasks: [orphan], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(1_000));
    await expect(worker.start()).rejects.toThrow(/isolated task iso.not-exported cannot start its thread: .*exports no task named iso.not-exported/);
  });
});
