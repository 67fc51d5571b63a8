import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from 'celeriac/testing';
import { useControlPlane } from '../support/use-control-plane.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { freshNamespace, kubectlOk } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';

const QUEUES = 200;

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** The operator process (as in its image) with 200 queues: all become Ready; memory and latency are logged. */
describe('operator with 200 queues', () => {
  const cp = useControlPlane({ profile: 'api' });
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', '--timeout=60s']);
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('reconciles every queue to Ready and reports its memory', async () => {
    const ns = await freshNamespace(cp(), 'many');
    const port = await freePort();
    const op = spawn(process.execPath, ['operator/bin/celeriac-operator.js'], {
      env: { ...process.env, KUBECONFIG: cp().kubeconfigPath, NATS_URL: nats.url, WATCH_NAMESPACE: ns, LEADER_ELECTION: 'false', HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 30_000, what: 'operator ready' });
      const idle = rssMiB(op.pid!);
      const docs = Array.from({ length: QUEUES }, (_, i) => `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: q${i}, namespace: ${ns}}\nspec: {queueName: q${i}-${ns}, storage: Memory}\n`);
      const t0 = Date.now();
      await kubectlOk(cp(), ['apply', '-f', '-'], docs.join('---\n'));
      await waitFor(
        async () => {
          const out = await kubectlOk(cp(), ['get', 'tq', '-n', ns, '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
          return out.split('\n').filter((s) => s === 'True').length === QUEUES;
        },
        { timeoutMs: 180_000, what: `${QUEUES} queues Ready` },
      );
      const allReadyMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 3000)); // a few refresh cycles at steady state
      const loaded = rssMiB(op.pid!);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/celeriac_operator_reconcile_total\{controller="taskqueue",result="requeue_after"\} \d+/);
      expect(loaded).toBeGreaterThan(0);
      const heapMiB = Math.round(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1]) / 2 ** 20);
      console.log(JSON.stringify({ queues: QUEUES, applyToAllReadyMs: allReadyMs, perQueueMs: Math.round(allReadyMs / QUEUES), rssIdleMiB: idle, rssWith200QueuesMiB: loaded, heapUsedMiB: heapMiB }));
    } finally {
      op.kill('SIGTERM');
      await once(op, 'exit');
    }
  }, 300_000);
});
