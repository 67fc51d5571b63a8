/**
 * The autoscaling scenario of `npm run bench` (issue 6): on a simulated cluster (control plane +
 * kwok) with a real worker process per Running pod, a burst lands on a pool at zero. Measured:
 * time from the backlog crossing the activation threshold (the first task stored) to the
 * Deployment's replicas being raised; to the first task started by a new worker; the burst's total
 * drain time; and, side by side, the drain time of a fixed pool of maxReplicas already running.
 */
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client, type ResultRecord } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { work } from '../test/e2e/fixtures/tasks.ts';
import { startControlPlane, type ControlPlane } from '../test/support/kube.ts';
import { startNats } from '../test/support/nats.ts';
import { kubectlOk, startTestOperator } from '../test/support/operator.ts';
import { PodRunner } from '../test/support/pod-runner.ts';
import { connectTo, waitFor } from '../test/support/queue.ts';
import { median } from './stats.ts';
import type { FigureLine } from './results.ts';

const MAX_REPLICAS = 5;
const CONCURRENCY = 10;
const TASK_MS = 20;
const tasksModule = new URL('../test/e2e/fixtures/tasks.ts', import.meta.url).pathname;

interface RunFigures {
  toReplicasRaisedMs?: number;
  toFirstNewWorkerStartMs?: number;
  drainMs: number;
}

function pool(name: string, queue: string, autoscaled: boolean): string {
  const scaling = autoscaled
    ? `autoscaling: {minReplicas: 0, maxReplicas: ${MAX_REPLICAS}, scaleToZeroCooldown: 5s, scaleDown: {stabilizationWindow: 5s}}`
    : `replicas: ${MAX_REPLICAS}\n  autoscaling: {enabled: false}`;
  return `apiVersion: celeriac.dev/v1alpha1
kind: TaskQueue
metadata: {name: ${queue}}
spec: {storage: Memory}
---
apiVersion: celeriac.dev/v1alpha1
kind: WorkerPool
metadata: {name: ${name}}
spec:
  queue: ${queue}
  image: example/worker:1
  taskModules: [${tasksModule}]
  concurrency: ${CONCURRENCY}
  drainTimeout: 5s
  ${scaling}
`;
}

/** Polls the Deployment's replicas every 20 ms and records when they first rose above zero. */
function watchReplicas(kc: KubeConfig, ns: string, name: string) {
  const apps = kc.makeApiClient(AppsV1Api);
  let raisedAt: number | undefined;
  let on = true;
  const done = (async () => {
    while (on && raisedAt === undefined) {
      const d = await apps.readNamespacedDeployment({ name, namespace: ns }).catch(() => undefined);
      if ((d?.spec?.replicas ?? 0) > 0) raisedAt = Date.now();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { raisedAt: () => raisedAt, stop: async () => ((on = false), await done) };
}

async function burst(nc: NatsConnection, queue: string, tasks: number): Promise<{ firstStoredAt: number; results: () => Promise<ResultRecord[]> }> {
  const client = new Client(nc, { queue });
  await client.enqueue(work, { ms: TASK_MS });
  const firstStoredAt = Date.now(); // the ack says the first task is stored: backlog 1 > activation 0
  await client.enqueueMany(work, Array.from({ length: tasks - 1 }, () => ({ payload: { ms: TASK_MS } })));
  await client.close();
  const kv = await new Kvm(nc).open(queueNames(queue).resultBucket);
  return {
    firstStoredAt,
    async results() {
      const out: ResultRecord[] = [];
      for await (const key of await kv.keys()) {
        const e = await kv.get(key);
        if (e?.operation === 'PUT') out.push(JSON.parse(new TextDecoder().decode(e.value)) as ResultRecord);
      }
      return out;
    },
  };
}

async function oneRun(cluster: ControlPlane, nc: NatsConnection, ns: string, run: number, tasks: number, autoscaled: boolean): Promise<RunFigures> {
  const name = `${autoscaled ? 'auto' : 'fixed'}-${run}`;
  const queue = `q-${name}`;
  await kubectlOk(cluster, ['apply', '-n', ns, '-f', '-'], pool(name, queue, autoscaled));
  await kubectlOk(cluster, ['wait', '-n', ns, '--for=condition=Ready', `tq/${queue}`, '--timeout=60s']);
  const runner = new PodRunner(cluster.kubeConfig(), ns, `celeriac.dev/pool=${name}`);
  try {
    if (!autoscaled) await waitFor(() => runner.processes.size === MAX_REPLICAS, { timeoutMs: 60_000, what: 'fixed pool running' });
    // Give workers time to connect and pull, so the fixed pool is really warm.
    if (!autoscaled) await new Promise((r) => setTimeout(r, 3000));
    const watch = watchReplicas(cluster.kubeConfig(), ns, name);
    const b = await burst(nc, queue, tasks);
    const kv = await new Kvm(nc).open(queueNames(queue).resultBucket);
    await waitFor(async () => (await kv.status()).values >= tasks, { timeoutMs: 300_000, what: 'burst drained' });
    const drainedAt = Date.now();
    await watch.stop();
    const records = await b.results();
    const firstStart = Math.min(...records.map((r) => r.startedAt ?? Infinity));
    const raised = watch.raisedAt();
    return {
      drainMs: drainedAt - b.firstStoredAt,
      ...(autoscaled && raised !== undefined ? { toReplicasRaisedMs: raised - b.firstStoredAt, toFirstNewWorkerStartMs: firstStart - b.firstStoredAt } : {}),
    };
  } finally {
    await runner.close();
    await kubectlOk(cluster, ['delete', '-n', ns, `wp/${name}`, `tq/${queue}`, '--wait=false']).catch(() => undefined);
  }
}

/** Runs the scenario `runs` times; returns one figure line per metric (median, range). */
export async function runAutoscaleBench(opts: { runs: number; tasks: number; log: (s: string) => void }): Promise<FigureLine[]> {
  opts.log(`[bench] autoscale: starting a control plane with kwok nodes, nats-server and the operator`);
  const nats = await startNats();
  const cluster = await startControlPlane({ profile: 'cluster', nodes: 2 });
  const nc = await connectTo(nats.url);
  const ns = 'bench';
  try {
    await kubectlOk(cluster, ['create', 'namespace', ns]);
    await kubectlOk(cluster, ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cluster, ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev']);
    const op = await startTestOperator(cluster, nats.url, { namespace: ns });
    const auto: RunFigures[] = [];
    const fixed: RunFigures[] = [];
    try {
      for (let i = 0; i < opts.runs; i++) {
        auto.push(await oneRun(cluster, nc, ns, i, opts.tasks, true));
        fixed.push(await oneRun(cluster, nc, ns, i, opts.tasks, false));
        opts.log(`[bench] autoscale run ${i + 1}: autoscaled ${JSON.stringify(auto.at(-1))}, fixed ${JSON.stringify(fixed.at(-1))}`);
      }
    } finally {
      await op.stop();
    }
    const line = (metric: string, values: number[]): FigureLine => ({
      scenario: `autoscale-burst-${opts.tasks}`,
      system: 'celeriac',
      metric,
      value: Math.round(median(values)),
      unit: 'ms',
      min: Math.min(...values),
      max: Math.max(...values),
      runs: values.length,
    });
    return [
      line('activation-to-replicas-raised', auto.map((r) => r.toReplicasRaisedMs ?? NaN)),
      line('activation-to-first-task-on-new-worker', auto.map((r) => r.toFirstNewWorkerStartMs ?? NaN)),
      line('drain-from-zero-autoscaled', auto.map((r) => r.drainMs)),
      line(`drain-fixed-${MAX_REPLICAS}-replicas`, fixed.map((r) => r.drainMs)),
    ];
  } finally {
    await nc.close();
    await cluster.stop();
    await nats.stop();
  }
}

/** The flags of bench/run.ts that concern this scenario: --quick, --only, --systems, --runs, --json-only. */
function wanted(argv: string[]): { run: boolean; quick: boolean; runs: number | undefined; jsonOnly: boolean } {
  const value = (flag: string) => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  };
  const only = value('--only');
  const systems = value('--systems');
  const runs = value('--runs');
  return {
    run: (!only || only.split(',').some((o) => 'autoscale'.startsWith(o))) && (!systems || systems.split(',').includes('celeriac')),
    quick: argv.includes('--quick'),
    runs: runs ? Number(runs) : undefined,
    jsonOnly: argv.includes('--json-only'),
  };
}

if (import.meta.main) {
  const w = wanted(process.argv.slice(2));
  if (w.run) {
    const log = (s: string) => (w.jsonOnly ? undefined : process.stderr.write(s + '\n'));
    const lines = await runAutoscaleBench({ runs: w.runs ?? (w.quick ? 1 : 3), tasks: w.quick ? 2000 : 5000, log });
    for (const l of lines) console.log(JSON.stringify(l));
    if (!w.jsonOnly) {
      console.log('\nautoscaling (ms, median [min-max])');
      for (const l of lines) console.log(`  ${l.metric.padEnd(42)} ${l.value} [${l.min}-${l.max}]`);
    }
  }
}
