// A worker process SIGKILLed (an OOM kill, a node loss outside a container) while an isolated
// child process busy-loops: the child notices its parent is gone and ends itself, instead of
// spinning on until someone kills it.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { createQueue, uniqueQueue, waitFor } from '../support/queue.ts';
import { startWorkerFleet, type WorkerFleet } from '../support/worker-fleet.ts';
import { spinForever } from '../support/orphan-tasks.ts';

/**
 * The child checks its parent every 500 ms (DEFAULTS.isolatedOrphanCheckMs); on the loaded shared
 * machine it was gone at most ~0.6 s after the worker's exit. Without the check it never goes.
 */
const ORPHAN_GONE_BOUND_MS = 5_000;

/** The process is gone: no such pid, or a zombie nobody has reaped yet (it runs no code). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

describe('an isolated child process whose worker was SIGKILLed', () => {
  const nats = useNats();
  let fleet: WorkerFleet | undefined;
  let orphan: number | undefined;
  afterEach(async () => {
    await fleet?.stop(1_000);
    // Never leave a spinning process behind, even when the test failed.
    if (orphan !== undefined && !gone(orphan)) process.kill(orphan, 'SIGKILL');
  });

  it('ends itself within a bound although its handler never yields', async () => {
    const queue = uniqueQueue('orphan');
    await createQueue(nats.nc, queue);
    fleet = await startWorkerFleet({ natsUrls: [nats.server.url], queue, taskModules: ['test/support/orphan-tasks.ts'], size: 1 });
    await waitFor(() => fleet!.allReady(), { timeoutMs: 30_000, what: 'worker ready' });
    const pidFile = join(mkdtempSync(join(tmpdir(), 'celeriac-orphan-')), 'pid');
    await new Client(nats.nc, { queue }).enqueue(spinForever, { pidFile });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', { timeoutMs: 15_000, what: 'the child spinning' });
    orphan = Number(readFileSync(pidFile, 'utf8'));
    const worker = fleet.workers[0]!;
    expect(orphan).not.toBe(worker.child.pid);
    // Spinning for a while proves the child is alive and busy before its parent goes.
    await sleep(300);
    expect(gone(orphan)).toBe(false);
    await fleet.kill(worker, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => gone(orphan!), { timeoutMs: ORPHAN_GONE_BOUND_MS, what: `orphaned child ${orphan} gone` });
    // For the record in a failing run's output: how long the orphan outlived its worker.
    console.info(`orphaned child gone ${Date.now() - killedAt} ms after its worker`);
  });
});
