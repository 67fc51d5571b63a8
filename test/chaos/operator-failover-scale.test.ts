// The leading operator SIGKILLed while it serves many queues and autoscaled pools (issue 13:
// "kill the leading operator with 1,000 pools"). Proves at that size: the standby takes over, has
// reconciled every queue, pool and autoscaled pool again, every queue and pool is Ready, a burst
// that arrived while no one led scales its pool up once (not lost), and pools scaled by the old
// leader keep their replicas (the new leader doubles no decision). Reports how long each took.
// Size: CELERIAC_FAILOVER_OBJECTS queues and as many pools (default 200; 1,000 is the size).
import { readFileSync } from 'node:fs';
import { AppsV1Api, KubernetesObjectApi, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSubject } from 'celeriac/protocol';
import { freePort } from 'celeriac/testing';
import { report, sleep } from '../support/chaos.ts';
import { useNats } from '../support/use-nats.ts';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.ts';
import { freshNamespace, kubectlOk } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const OBJECTS = Number(process.env.CELERIAC_FAILOVER_OBJECTS ?? 200);
/** Pools the old leader scales before the kill, and pools whose burst arrives while no one leads. */
const SCALED_BEFORE = 10;
const BURST_DURING = 10;
const BURST = 50;

interface Operator {
  process: OperatorProcess;
  metricsUrl: string;
}

/** Reconciles finished per controller, from the operator's own metrics. */
async function reconciles(metricsUrl: string): Promise<Record<string, number>> {
  const res = await fetch(metricsUrl).catch((e: unknown) => new Error(`${metricsUrl}: ${String((e as Error).cause ?? e)}`));
  if (res instanceof Error) throw res;
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^celeriac_operator_reconcile_total\{controller="(\w+)",result="\w+"\} (\d+)$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

describe(`the leading operator killed with ${OBJECTS} queues and ${OBJECTS} autoscaled pools`, () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators: Operator[] = [];

  beforeAll(async () => {
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
  });
  afterAll(async () => {
    await Promise.all(operators.splice(0).map((o) => o.process.kill('SIGKILL')));
  });

  async function operator(ns: string): Promise<Operator> {
    const port = await freePort();
    // Queue refreshes every 10 s as in the chart; info logs carry the leadership lines the test reads.
    const process = await startOperatorProcess(cp(), nats.server.url, { namespace: ns, env: { HTTP_PORT: String(port), QUEUE_REFRESH_MS: '10000' } });
    const op = { process, metricsUrl: `http://127.0.0.1:${port}/metrics` };
    operators.push(op);
    return op;
  }

  async function leader(ns: string): Promise<Operator> {
    return waitFor(
      async () => {
        const r = await cp().kubectl(['get', '-n', ns, 'lease/celeriac-operator', '-o', 'jsonpath={.spec.holderIdentity}']);
        const holder = r.code === 0 ? r.stdout.trim() : '';
        const alive = (o: Operator) => o.process.child.exitCode === null && o.process.child.signalCode === null;
        return operators.find((o) => alive(o) && holder !== '' && o.process.identity() === holder && o.process.startedLeadingAt());
      },
      { timeoutMs: 60_000, what: 'a live leader' },
    );
  }

  it('takes over every queue and pool, loses no scale-up and doubles no decision', async () => {
    const ns = await freshNamespace(cp(), 'scale-failover');
    await operator(ns);
    await operator(ns);
    const first = await leader(ns);

    const objects = Array.from({ length: OBJECTS }, (_, i) => [
      { apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name: `q${i}`, namespace: ns }, spec: { queueName: `q${i}-${ns}`, storage: 'Memory' } },
      { apiVersion: 'celeriac.dev/v1alpha1', kind: 'WorkerPool', metadata: { name: `p${i}`, namespace: ns }, spec: { queue: `q${i}`, image: 'worker:1', autoscaling: { minReplicas: 0, maxReplicas: 10 } } },
    ]).flat() as KubernetesObject[];
    const api = KubernetesObjectApi.makeApiClient(cp().kubeConfig());
    const t0 = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < objects.length) await api.create(objects[next++]!);
    }));
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq', '--all', '--timeout=300s']);
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'wp', '--all', '--timeout=300s']); // all at zero yet
    const allReadyMs = Date.now() - t0;

    const apps = cp().kubeConfig().makeApiClient(AppsV1Api);
    const deployments = async () => new Map((await apps.listNamespacedDeployment({ namespace: ns })).items.map((d: V1Deployment) => [d.metadata!.name!, d]));
    const burst = async (ids: number[]) => {
      for (const i of ids) for (let k = 0; k < BURST; k++) nats.nc.publish(taskSubject(`q${i}-${ns}`, 'burst'), new Uint8Array());
      await nats.nc.flush();
    };
    const scaled = async (ids: number[]) => {
      const d = await deployments();
      return ids.every((i) => (d.get(`p${i}`)?.spec?.replicas ?? 0) > 0);
    };
    // Spread over the whole range, so both ends of every work queue are sampled.
    const step = Math.floor(OBJECTS / (SCALED_BEFORE + BURST_DURING));
    const before = Array.from({ length: SCALED_BEFORE }, (_, k) => 2 * k * step);
    const during = Array.from({ length: BURST_DURING }, (_, k) => (2 * k + 1) * step);

    // The old leader scales some pools; the test waits until it has, and for its writes to settle.
    await burst(before);
    await waitFor(() => scaled(before), { timeoutMs: 60_000, what: 'pools scaled by the first leader' });
    await sleep(3_000);
    const settled = await deployments();

    const killedAt = Date.now();
    await first.process.kill('SIGKILL');
    await burst(during); // arrives while no one leads: the next leader must act on it
    const second = await leader(ns);
    const tookOverMs = second.process.startedLeadingAt()! - killedAt;
    await waitFor(() => scaled(during), { timeoutMs: 60_000, what: 'pools scaled by the new leader' });
    const reactedMs = Date.now() - killedAt;
    // Every queue, pool and autoscaled pool reconciled by the new leader at least once.
    await waitFor(
      async () => {
        const r = await reconciles(second.metricsUrl);
        return (r.taskqueue ?? 0) >= OBJECTS && (r.workerpool ?? 0) >= OBJECTS && (r.autoscaler ?? 0) >= OBJECTS;
      },
      { timeoutMs: 300_000, what: 'every object reconciled by the new leader' },
    );
    const reconciledMs = Date.now() - killedAt;
    await sleep(3_000); // a few more polls: a doubled or late decision would show now

    // One list, not `kubectl wait --all`: that waits on each object in turn, and 1,000 of them on
    // a loaded machine take longer than its timeout although every one is Ready.
    type Queues = { items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }> };
    const notReady = async () =>
      (JSON.parse(await kubectlOk(cp(), ['get', '-n', ns, 'tq', '-o', 'json'])) as Queues).items
        .map((q) => ({ name: q.metadata.name, ready: q.status?.conditions?.find((c) => c.type === 'Ready') }))
        .filter((q) => q.ready?.status !== 'True');
    let left = await notReady();
    for (const deadline = Date.now() + 60_000; left.length > 0 && Date.now() < deadline; left = await notReady()) await sleep(1_000);
    expect(left, 'queues not Ready').toEqual([]);
    const after = await deployments();
    const replicasOf = (m: Map<string, V1Deployment>, i: number) => m.get(`p${i}`)?.spec?.replicas ?? 0;
    const generationOf = (m: Map<string, V1Deployment>, i: number) => m.get(`p${i}`)?.metadata?.generation ?? 0;
    const target = replicasOf(settled, before[0]!);
    expect(target).toBeGreaterThan(0);
    // Pools scaled before the kill: untouched by the new leader (same replicas, no new write).
    for (const i of before) {
      expect(replicasOf(after, i), `p${i} replicas`).toBe(target);
      expect(generationOf(after, i), `p${i} written again`).toBe(generationOf(settled, i));
    }
    // Bursts during the failover: scaled once, to what the old leader chose for the same backlog.
    for (const i of during) {
      expect(replicasOf(after, i), `p${i} replicas`).toBe(target);
      expect(generationOf(after, i) - generationOf(settled, i), `p${i} spec writes`).toBe(1);
    }
    // Every other pool stayed at zero: nothing was scaled on a stale or missing reading.
    const untouched = Array.from({ length: OBJECTS }, (_, i) => i).filter((i) => !before.includes(i) && !during.includes(i));
    expect(untouched.filter((i) => replicasOf(after, i) !== 0)).toEqual([]);
    expect(after.size).toBe(OBJECTS);
    // Every pool's status is current: Ready at zero, or waiting for the pods it asked for (the
    // `api` control plane runs no kubelet, so a scaled pool's workers never start).
    const pools = JSON.parse(await kubectlOk(cp(), ['get', '-n', ns, 'wp', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; status?: { desiredReplicas?: number; conditions?: Array<{ type: string; reason: string }> } }>;
    };
    const readiness = new Map(pools.items.map((p) => [p.metadata.name, `${p.status?.conditions?.find((c) => c.type === 'Ready')?.reason}/${p.status?.desiredReplicas}`]));
    for (let i = 0; i < OBJECTS; i++) {
      const scaledHere = before.includes(i) || during.includes(i);
      expect(readiness.get(`p${i}`), `p${i} status`).toBe(scaledHere ? `WorkersStarting/${target}` : 'ScaledToZero/0');
    }

    const rssMiB = Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${second.process.child.pid}/status`, 'utf8'))?.[1]) / 1024);
    report('operator-failover at scale', { objects: OBJECTS, allReadyMs, tookOverMs, reactedMs, reconciledMs, newLeaderRssMiB: rssMiB });
  }, 900_000);
});
