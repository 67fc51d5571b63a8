import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Client, defineTask } from 'celeriac';
import { freePort } from 'celeriac/testing';
import { startNats, type NatsServer } from '../support/nats.ts';
import { useNats } from '../support/use-nats.ts';
import { connectTo, createQueue, waitFor } from '../support/queue.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workerBin = join(root, 'worker-runtime', 'bin', 'celeriac-worker.js');

function run(cmd: string, args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

describe('the celeriac-worker process and the quick start example', () => {
  const nats = useNats();

  it('loads task modules, serves health, readiness and metrics, runs tasks and drains on SIGTERM', async () => {
    const port = await freePort();
    const w = run(process.execPath, [workerBin, '--queue', 'emails', 'examples/quickstart/tasks.ts'], {
      NATS_URL: nats.server.url,
      CELERIAC_HTTP_PORT: String(port),
      CELERIAC_HTTP_HOST: '127.0.0.1',
      CELERIAC_WORKER_NAME: 'worker-a',
    });
    try {
      // The queue does not exist yet: the worker waits, alive but not ready.
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, { what: 'healthz' });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);

      // The quick start producer, exactly as in the README, creates the queue and awaits a result.
      const p = run(process.execPath, ['examples/quickstart/producer.ts'], { NATS_URL: nats.server.url });
      const [code] = await once(p.child, 'exit');
      expect(p.output()).toMatch(/task \S+ sent msg-/);
      expect(code).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      const resize = defineTask('images.resize', (_: { url: string; width: number }) => ({ url: '' }));
      const client = new Client(nats.nc, { queue: 'emails' });
      const out = await (await client.enqueue(resize, { url: 'a.png', width: 100 })).result({ timeoutMs: 5000 });
      expect(out.url).toBe('a-100w.png');
      await client.close();

      // The result is visible the moment it is stored, just before the worker acks and counts it.
      const metrics = await waitFor(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /celeriac_tasks_succeeded_total\{queue="emails",task="images.resize"\} 1/.test(text) ? text : undefined;
      });
      expect(metrics).toContain('celeriac_task_duration_seconds_bucket');
      expect(metrics).toContain('celeriac_tasks_in_flight');
    } finally {
      w.child.kill('SIGTERM');
    }
    const [code] = await once(w.child, 'exit');
    expect(code).toBe(0);
    expect(w.output()).toContain('worker stopped');
    // Secrets in logs: no-secret-in-logs.test.ts, against a server that requires them.
  });

  it('exits 2 with a message naming the variable when misconfigured', async () => {
    const w = run(process.execPath, [workerBin, 'examples/quickstart/tasks.ts'], { CELERIAC_QUEUE: 'Not_A_Queue' });
    const [code] = await once(w.child, 'exit');
    expect(code).toBe(2);
    expect(w.output()).toContain('CELERIAC_QUEUE');
  });

  it('goes unready while NATS is down and recovers when it is back', async () => {
    const local = await startNats();
    const lnc = await connectTo(local.url);
    await createQueue(lnc, 'flappy', { storage: 'file' });
    await lnc.close();
    const port = await freePort();
    const w = run(process.execPath, [workerBin, '--queue', 'flappy', 'examples/quickstart/tasks.ts'], {
      NATS_URL: local.url,
      CELERIAC_HTTP_PORT: String(port),
      CELERIAC_HTTP_HOST: '127.0.0.1',
    });
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    let restarted: NatsServer | undefined;
    try {
      await waitFor(ready, { what: 'ready' });
      await local.stop({ keepStore: true });
      await waitFor(async () => !(await ready()), { what: 'unready while NATS is down' });
      restarted = await startNats({ port: local.port, storeDir: local.storeDir });
      await waitFor(ready, { timeoutMs: 20_000, what: 'ready again' });
      const rnc = await connectTo(restarted.url);
      const client = new Client(rnc, { queue: 'flappy' });
      const resize = defineTask('images.resize', (_: { url: string; width: number }) => ({ url: '' }));
      expect((await (await client.enqueue(resize, { url: 'b.png', width: 5 })).result({ timeoutMs: 10_000 })).url).toBe('b-5w.png');
      await client.close();
      await rnc.close();
    } finally {
      w.child.kill('SIGTERM');
      await once(w.child, 'exit');
      await restarted?.stop();
    }
  }, 60_000);
});
