// `npm run demo`: the whole of Celeriac on this machine, with nothing installed by hand.
// Starts nats-server, a Kubernetes control plane with simulated nodes (kwok), the operator, and
// a TaskQueue + autoscaled WorkerPool; then enqueues a burst and prints the pool scaling up from
// zero, draining the backlog, and scaling back to zero. The queue also has a periodic schedule
// that the NATS server fires every 2 s: the demo prints its first tick, then suspends it.
// Ctrl-C stops everything.
import { AppsV1Api } from '@kubernetes/client-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { pino } from 'pino';
import { Client, type ResultRecord } from 'celeriac';
import { startDashboard } from '@celeriac/dashboard';
import { queueNames } from 'celeriac/protocol';
import { readQueueState } from 'celeriac/topology';
import { startControlPlane } from '../test/support/kube.ts';
import { startNats } from '../test/support/nats.ts';
import { kubectlOk, startTestOperator } from '../test/support/operator.ts';
import { PodRunner } from '../test/support/pod-runner.ts';
import { connectTo } from '../test/support/queue.ts';
import { thumbnail } from '../examples/demo/tasks.ts';

const TASKS = Number(process.env.DEMO_TASKS ?? 5000);
const say = (msg: string) => console.log(`[demo ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const tasksModule = new URL('../examples/demo/tasks.ts', import.meta.url).pathname;

say('starting nats-server (JetStream) and a Kubernetes control plane with 2 simulated nodes...');
const nats = await startNats();
const cluster = await startControlPlane({ profile: 'cluster', nodes: 2 });
const cleanups: Array<() => Promise<unknown>> = [() => nats.stop(), () => cluster.stop()];
const shutdown = async (code: number) => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  process.exit(code);
};
process.once('SIGINT', () => void shutdown(130));
try {
  say(`control plane up: export KUBECONFIG=${cluster.kubeconfigPath}`);
  say(`watch it from another terminal: KUBECONFIG=${cluster.kubeconfigPath} node cli/bin/kubectl-celeriac.js top --nats-url ${nats.url}`);
  await kubectlOk(cluster, ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
  await kubectlOk(cluster, ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev']);
  const op = await startTestOperator(cluster, nats.url, { namespace: 'default' });
  cleanups.push(() => op.stop());
  // The web dashboard in local mode: it acts as the kubeconfig's user, so no sign-in.
  const dashboardOn = (port: number) => startDashboard({ kubeConfig: cluster.kubeConfig(), auth: 'kubeconfig', host: '127.0.0.1', port, natsUrl: nats.url, logger: pino({ level: 'warn' }) });
  // 8080 when free, else any free port: the demo must not fail over a busy port.
  const dashboard = await dashboardOn(Number(process.env.DEMO_DASHBOARD_PORT ?? 8080)).catch(() => dashboardOn(0));
  cleanups.push(() => dashboard.close());
  say(`web dashboard: open ${dashboard.url}/ in a browser (live while the demo runs; DEMO_DASHBOARD_PORT picks the port)`);
  say('operator running; applying a TaskQueue and an autoscaled WorkerPool (0 to 5 pods)');
  await kubectlOk(cluster, ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1
kind: TaskQueue
metadata: {name: images, namespace: default}
spec:
  storage: Memory
  schedules: [{name: thumbs, task: images.thumbnail, every: 2s, payload: {image: beat.jpg, size: 64}}]
---
apiVersion: celeriac.dev/v1alpha1
kind: WorkerPool
metadata: {name: thumbnailers, namespace: default}
spec:
  queue: images
  image: example/thumbnailer:1
  taskModules: [${tasksModule}]
  concurrency: 10
  drainTimeout: 5s
  autoscaling: {minReplicas: 0, maxReplicas: 5, scaleToZeroCooldown: 10s, scaleDown: {stabilizationWindow: 5s}}
`);
  await kubectlOk(cluster, ['wait', '--for=condition=Ready', 'tq/images', '--timeout=60s']);
  const runner = new PodRunner(cluster.kubeConfig(), 'default', 'celeriac.dev/pool=thumbnailers');
  cleanups.push(() => runner.close());
  const nc = await connectTo(nats.url);
  cleanups.push(() => nc.close());
  const apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
  const kv = await new Kvm(nc).open(queueNames('images').resultBucket);

  say(`queue Ready; enqueueing a burst of ${TASKS} thumbnail tasks`);
  const client = new Client(nc, { queue: 'images' });
  const t0 = Date.now();
  const handles = await client.enqueueMany(thumbnail, Array.from({ length: TASKS }, (_, i) => ({ payload: { image: `photo-${i}.jpg`, size: 128 } })));
  say(`enqueued ${handles.length} tasks in ${Date.now() - t0} ms`);
  const jsm = await jetstreamManager(nc);
  let tickShown = false;
  let zeroSince = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!tickShown) tickShown = await showFirstTick();
    const [d, state, status] = await Promise.all([
      apps.readNamespacedDeployment({ name: 'thumbnailers', namespace: 'default' }),
      readQueueState(nc, 'images'),
      kv.status(),
    ]);
    const backlog = state.pending + state.ackPending;
    say(`backlog ${String(backlog).padStart(5)} | results ${String(status.values).padStart(5)} (${TASKS} + ticks) | pods wanted ${d.spec?.replicas} ready ${d.status?.readyReplicas ?? 0} | worker processes ${runner.processes.size}`);
    if (backlog === 0 && d.spec?.replicas === 0) {
      zeroSince ||= Date.now();
      if (Date.now() - zeroSince > 1000) break;
    }
  }
  const sample = await handles[0]!.result();

  /** Prints the schedule's first finished tick, then suspends the schedule so the pool can reach zero. */
  async function showFirstTick(): Promise<boolean> {
    const bucket = queueNames('images').resultBucket;
    const m = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.periodic.thumbs.*` }).catch(() => null);
    const tick = m && m.data.length > 0 ? m.json<ResultRecord>() : undefined;
    if (tick?.state !== 'succeeded') return false;
    say(`periodic schedule 'thumbs' (every 2s, fired by nats-server) ticked: task ${tick.id} ran -> ${JSON.stringify(tick.result)}`);
    await kubectlOk(cluster, ['patch', 'tq/images', '--type=json', '-p', '[{"op":"add","path":"/spec/schedules/0/suspend","value":true}]']);
    say('schedule suspended (kubectl patch): no more ticks');
    return true;
  }
  say(`first task's result: ${JSON.stringify(sample)}`);
  say(`burst drained and pool back at zero, ${((Date.now() - t0) / 1000).toFixed(1)} s after the first enqueue. Done.`);
  say(`the dashboard (${dashboard.url}/) and the CLI line above stop with the demo; on a real cluster: helm ... --set dashboard.enabled=true, then kubectl celeriac dashboard (docs/cockpit.md)`);
  await client.close();
  await shutdown(0);
} catch (err) {
  console.error(err);
  await shutdown(1);
}
