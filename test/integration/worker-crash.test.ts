import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { startAppProcess, type AppProcess } from '../support/app-process.ts';
import { bomb, sleeper } from '../support/crash-tasks.ts';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workerBin = join(root, 'worker-runtime', 'bin', 'celeriac-worker.js');

describe('a worker process after an uncaught exception', () => {
  const nats = useNats();
  const procs: AppProcess[] = [];
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop(2_000)));
    await Promise.all(workers.splice(0).map((w) => w.close(1_000)));
  });

  it('stops pulling, drains briefly and exits non-zero; its tasks finish or run on another worker', async () => {
    const queue = uniqueQueue('crash');
    await createQueue(nats.nc, queue);
    const proc = startAppProcess(process.execPath, [workerBin, '--queue', queue, 'test/support/crash-tasks.ts'], {
      cwd: root,
      env: { NATS_URL: nats.server.url, CELERIAC_CONCURRENCY: '8', CELERIAC_HTTP_PORT: '0' },
    });
    procs.push(proc);
    const client = new Client(nats.nc, { queue });
    // Two tasks finish inside the crash drain (5 s); two could not, and are handed back.
    const short = await Promise.all([1, 2].map((n) => client.enqueue(sleeper, { n, ms: 1_000 })));
    const long = await Promise.all([3, 4].map((n) => client.enqueue(sleeper, { n, ms: 120_000 })));
    for (const h of [...short, ...long]) {
      await waitFor(async () => (await h.status())?.state === 'started', { timeoutMs: 30_000, what: `task ${h.id} started` });
    }
    await client.enqueue(bomb, undefined);

    const code = await proc.exited;
    expect(code, proc.output()).not.toBe(0);
    expect(code).not.toBeNull(); // exited by itself, not killed by a signal
    expect(proc.output()).toContain('uncaught exception in task code; draining and exiting so the worker is replaced');
    expect(proc.output()).toContain('boom');
    for (const h of short) expect(await h.result({ timeoutMs: 1_000 })).toBeGreaterThan(0);
    for (const h of long) expect((await h.status())?.state).toBe('started');

    // Another worker (a fast build of the same task) gets the handed-back tasks at once.
    const fastSleeper = defineTask('crash.sleep', (p: { n: number; ms: number }) => p.n);
    const worker = new Worker(nats.nc, { queue, tasks: [fastSleeper], logger: testLogger, heartbeatIntervalMs: 0 });
    workers.push(worker);
    await worker.start();
    for (const h of long) {
      expect(await h.result({ timeoutMs: 10_000 })).toBeGreaterThan(2);
      expect((await h.status())?.attempts).toBe(2);
    }
    await client.close();
  }, 60_000);
});
