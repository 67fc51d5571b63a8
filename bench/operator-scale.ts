/**
 * The operator-at-scale scenario of `npm run bench` (issue 13): N TaskQueues and N autoscaled
 * WorkerPools in N/10 namespaces, applied at once against a real API server and nats-server, with
 * the operator as its own process watching every namespace. Measured: time to all Ready; then a
 * single queue's apply to Ready (p50/p99); the operator's RSS and V8 heap idle and with all
 * objects; the autoscaler's reaction (a burst on one queue until its Deployment's replicas rise,
 * p99 over a sample of queues, bursts spread over time); and the NATS requests per second the
 * operator makes (its connection's in_msgs on the server's /connz).
 *
 * The 'api' control plane has no kubelet: pools with no pods are Ready as scaled to zero, and a
 * raised replica count is the autoscaler's reaction (pods starting is the autoscale scenario's).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { taskSubject } from 'celeriac/protocol';
import { freePort } from 'celeriac/testing';
import { startControlPlane } from '../test/support/kube.ts';
import { startNats } from '../test/support/nats.ts';
import { kubectlOk } from '../test/support/operator.ts';
import { startOperatorProcess, type OperatorProcess } from '../test/support/operator-process.ts';
import { connectTo, waitFor } from '../test/support/queue.ts';
import { parseBenchArgs } from './args.ts';
import { apiWrites, cpuOf, cpuSeconds, grown, processesMentioning } from './mass-apply-profile.ts';
import { percentile, sortedCopy } from './stats.ts';
import type { FigureLine } from './results.ts';

const SCENARIO = 'operator-scale-1000';
const PER_NAMESPACE = 10;

interface Listed {
  items: Array<{ metadata: { namespace: string; name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
}

const isReady = (o: Listed['items'][number]) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function objectsOf(ns: string, i: number): KubernetesObject[] {
  return [
    { apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name: `q${i}`, namespace: ns }, spec: { queueName: `${ns}-q${i}`, storage: 'Memory' } } as KubernetesObject,
    {
      apiVersion: 'celeriac.dev/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: `p${i}`, namespace: ns },
      spec: { queue: `q${i}`, image: 'example/worker:1', autoscaling: { minReplicas: 0, maxReplicas: 10 } },
    } as KubernetesObject,
  ];
}

/** Runs `fn` over `items` with at most `limit` at once (the bench client must not be the bottleneck). */
async function pooled<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** The operator's memory as its own /metrics reports it, in MiB: V8 heap used and committed, external, and each heap space committed. */
async function memoryOf(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^nodejs_(heap_size_used|heap_size_total|external_memory)_bytes (\S+)$/.exec(line) ?? /^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)$/.exec(line);
    if (m) out[m[1]!] = Math.round(Number(m[2]) / 2 ** 20);
  }
  return out;
}

/** Messages the operator's connection(s) sent to the server: every JetStream API request is one. */
async function operatorInMsgs(monitorUrl: string): Promise<number> {
  const body = (await (await fetch(`${monitorUrl}/connz?limit=4096`)).json()) as { connections?: Array<{ name?: string; in_msgs: number }> };
  return (body.connections ?? []).filter((c) => c.name === 'celeriac-operator').reduce((s, c) => s + c.in_msgs, 0);
}

/**
 * Every object of a kind, from the API server's watch cache (resourceVersion 0: no etcd read).
 * In-process and twice a second: a kubectl process per poll, every 25 ms, listing 2,000 objects
 * cost the machine more than the operator did and slowed the very apply it timed.
 */
async function listAll(api: CustomObjectsApi, plural: string): Promise<Listed> {
  return (await api.listClusterCustomObject({ group: 'celeriac.dev', version: 'v1alpha1', plural, resourceVersion: '0' })) as Listed;
}

async function pollUntil(fn: () => Promise<boolean>, everyMs: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Publishes a burst on the queue and waits for its Deployment's replicas to rise; returns the delay. */
async function reaction(apps: AppsV1Api, nc: NatsConnection, ns: string, i: number): Promise<number> {
  const t0 = Date.now();
  for (let k = 0; k < 50; k++) nc.publish(taskSubject(`${ns}-q${i}`, 'burst'), new Uint8Array());
  await nc.flush();
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name: `p${i}`, namespace: ns });
    if ((d.spec?.replicas ?? 0) > 0) return Date.now() - t0;
    if (Date.now() - t0 > 30_000) throw new Error(`pool ${ns}/p${i} did not scale within 30 s`);
    await sleep(25);
  }
}

export interface OperatorScaleOptions {
  /** TaskQueues, and as many autoscaled WorkerPools. */
  objects: number;
  singleApplies: number;
  reactionSample: number;
  /** Extra environment of the operator process (e.g. RECONCILE_WORKERS, NODE_OPTIONS), for comparisons. */
  operatorEnv?: Record<string, string>;
  log: (s: string) => void;
}

export async function runOperatorScaleBench(opts: OperatorScaleOptions): Promise<FigureLine[]> {
  const n = opts.objects;
  const namespaces = Array.from({ length: Math.max(1, Math.ceil(n / PER_NAMESPACE)) }, (_, k) => `scale-${k}`);
  opts.log(`[bench] ${SCENARIO}: ${n} queues and ${n} autoscaled pools in ${namespaces.length} namespaces`);
  const nats = await startNats();
  const cp = await startControlPlane({ profile: 'api' });
  const nc = await connectTo(nats.url);
  let op: OperatorProcess | undefined;
  const figures: FigureLine[] = [];
  const figure = (metric: string, value: number, unit: string, extra: Partial<FigureLine> = {}) =>
    figures.push({ scenario: SCENARIO, system: 'celeriac', metric, value: Math.round(value * 100) / 100, unit, ...extra });
  try {
    await kubectlOk(cp, ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp, ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev']);
    await pooled(namespaces, 8, (ns) => kubectlOk(cp, ['create', 'namespace', ns]));
    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    op = await startOperatorProcess(cp, nats.url, { namespace: 'default', env: { WATCH_NAMESPACE: '', HTTP_PORT: String(port), QUEUE_REFRESH_MS: '10000', LOG_LEVEL: 'warn', ...opts.operatorEnv } });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 60_000, what: 'operator ready' });
    await sleep(3000);
    const pid = op.child.pid!;
    figure('rss-idle', rssMiB(pid), 'MiB');
    const idle = await memoryOf(metricsUrl);
    opts.log(`[bench] ${SCENARIO}: operator memory idle (MiB) ${JSON.stringify(idle)}`);
    figure('heap-used-idle', idle.heap_size_used!, 'MiB');

    // All at once: every object created by 32 concurrent requests.
    const api = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
    const all = namespaces.flatMap((ns, k) => Array.from({ length: Math.min(PER_NAMESPACE, n - k * PER_NAMESPACE) }, (_, j) => objectsOf(ns, j)).flat());
    // What the mass apply costs each process, and which writes the API server served (bench/mass-apply-profile.ts).
    const servers = new Map([...processesMentioning(cp.dir), ...processesMentioning(dirname(nats.storeDir)), ['operator', pid], ['bench-client', process.pid]]);
    const cpu0 = cpuOf(servers);
    const writes0 = apiWrites(await kubectlOk(cp, ['get', '--raw', '/metrics']));
    const t0 = Date.now();
    await pooled(all, 32, (o) => api.create(o));
    const appliedMs = Date.now() - t0;
    const custom = cp.kubeConfig().makeApiClient(CustomObjectsApi);
    await pollUntil(
      async () => {
        const [q, p] = await Promise.all([listAll(custom, 'taskqueues'), listAll(custom, 'workerpools')]);
        return q.items.filter(isReady).length === n && p.items.filter(isReady).length === n;
      },
      500,
      600_000,
      'all Ready',
    );
    const allReadyMs = Date.now() - t0;
    opts.log(`[bench] ${SCENARIO}: created in ${appliedMs} ms, all Ready after ${allReadyMs} ms`);
    figure('all-ready', allReadyMs, 'ms');
    const cpuUsed = grown(cpu0, cpuOf(servers));
    const writes = grown(writes0, apiWrites(await kubectlOk(cp, ['get', '--raw', '/metrics'])));
    const totalWrites = writes.reduce((t, [, v]) => t + v, 0);
    opts.log(`[bench] ${SCENARIO}: CPU seconds until all Ready ${JSON.stringify(Object.fromEntries(cpuUsed.map(([k, v]) => [k, Math.round(v * 10) / 10])))}`);
    opts.log(`[bench] ${SCENARIO}: API writes until all Ready (${totalWrites}) ${JSON.stringify(Object.fromEntries(writes))}`);
    for (const [name, seconds] of cpuUsed) figure(`mass-apply-cpu-${name}`, seconds * 1000, 'ms');
    figure('mass-apply-api-writes', totalWrites, 'requests');
    figure('mass-apply-api-writes-per-second', totalWrites / (allReadyMs / 1000), 'requests/s');

    // One more queue at a time, on the busy operator.
    const single: number[] = [];
    for (let k = 0; k < opts.singleApplies; k++) {
      const t = Date.now();
      await api.create({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name: `single-${k}`, namespace: namespaces[0]! }, spec: { storage: 'Memory' } } as KubernetesObject);
      const get = () => custom.getNamespacedCustomObject({ group: 'celeriac.dev', version: 'v1alpha1', plural: 'taskqueues', namespace: namespaces[0]!, name: `single-${k}` }) as Promise<Listed['items'][number]>;
      await pollUntil(async () => isReady(await get()), 25, 60_000, 'single Ready');
      single.push(Date.now() - t);
    }
    const s = sortedCopy(single);
    figure('apply-to-ready-p50', percentile(s, 50), 'ms', { runs: single.length });
    figure('apply-to-ready-p99', percentile(s, 99), 'ms', { runs: single.length, min: s[0]!, max: s[s.length - 1]! });

    // Idle with everything: memory, and the NATS requests of a steady second.
    await sleep(5000);
    figure('rss-all', rssMiB(pid), 'MiB');
    const loaded = await memoryOf(metricsUrl);
    opts.log(`[bench] ${SCENARIO}: operator memory with all (MiB) ${JSON.stringify(loaded)}`);
    figure('heap-used-all', loaded.heap_size_used!, 'MiB');
    figure('heap-total-all', loaded.heap_size_total!, 'MiB');
    const m0 = await operatorInMsgs(nats.monitorUrl);
    const c0 = cpuSeconds(pid);
    const w0 = Date.now();
    await sleep(10_000);
    const windowS = (Date.now() - w0) / 1000;
    figure('nats-requests-per-second', ((await operatorInMsgs(nats.monitorUrl)) - m0) / windowS, 'req/s');
    figure('cpu-steady', (cpuSeconds(pid) - c0) / windowS, 'cores');

    // Reaction: a burst on one queue at a time, spread over the sample, while every pool is polled.
    const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
    const delays: number[] = [];
    const step = Math.max(1, Math.floor(n / opts.reactionSample));
    for (let k = 0; k < opts.reactionSample; k++) {
      const i = (k * step) % n;
      delays.push(await reaction(apps, nc, namespaces[Math.floor(i / PER_NAMESPACE)]!, i % PER_NAMESPACE));
      await sleep(100);
    }
    const r = sortedCopy(delays);
    figure('autoscale-reaction-p50', percentile(r, 50), 'ms', { runs: delays.length });
    figure('autoscale-reaction-p99', percentile(r, 99), 'ms', { runs: delays.length, min: r[0]!, max: r[r.length - 1]! });
    figure('rss-after-reactions', rssMiB(pid), 'MiB');
    return figures;
  } finally {
    await op?.kill('SIGTERM');
    await nc.close();
    await cp.stop();
    await nats.stop();
  }
}

if (import.meta.main) {
  const w = parseBenchArgs(process.argv.slice(2));
  const picked = w.only.length === 0 || w.only.some((o) => SCENARIO.startsWith(o));
  if (picked && w.systems.includes('celeriac')) {
    const log = (s: string) => (w.jsonOnly ? undefined : process.stderr.write(s + '\n'));
    const sizes = w.quick ? { objects: 100, singleApplies: 10, reactionSample: 10 } : { objects: 1000, singleApplies: 20, reactionSample: 50 };
    // OPERATOR_SCALE_ENV='{"RECONCILE_WORKERS":"4"}' compares operator settings on the same scenario.
    const operatorEnv = JSON.parse(process.env.OPERATOR_SCALE_ENV ?? '{}') as Record<string, string>;
    const lines = await runOperatorScaleBench({ ...sizes, operatorEnv, log });
    for (const l of lines) console.log(JSON.stringify(l));
    if (!w.jsonOnly) {
      console.log(`\noperator at scale (${sizes.objects} queues + ${sizes.objects} pools)`);
      for (const l of lines) console.log(`  ${l.metric.padEnd(28)} ${l.value} ${l.unit}`);
    }
  }
}
