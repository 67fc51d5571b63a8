// The dashboard against real servers, for its integration and browser tests: a namespace with an
// operator and two queues, the chart's own RBAC (the dashboard runs as the chart's
// ServiceAccount; people are ServiceAccounts bound to the chart's celeriac-viewer and
// celeriac-operator ClusterRoles, `dash-celeriac-*` for this release), and the dashboard server
// in this process.
import { afterAll, beforeAll } from 'vitest';
import { PermanentError, Worker, defineTask } from 'celeriac';
import { startDashboard, type RunningDashboard } from '@celeriac/dashboard';
import type { RunningOperator } from '../../operator/src/operator.ts';
import { manifests, renderChart } from './chart.ts';
import type { ControlPlane } from './kube.ts';
import { freshNamespace, kubectlOk, startTestOperator, useCrds } from './operator.ts';
import { testLogger } from './queue.ts';
import type { UsedNats } from './use-nats.ts';

export interface DashboardHarness {
  ns: string;
  dashboard: RunningDashboard;
  /** Bearer tokens of people: one bound to celeriac-viewer, one to celeriac-operator. */
  tokens: { viewer: string; operator: string };
  /** The queue's name in NATS for a TaskQueue of the harness. */
  natsQueue(name: string): string;
  /** Starts a worker for the `reports` queue (it has none, so a backlog builds up there). */
  startReportsWorker(): Promise<Worker>;
}

export const harnessTasks = {
  double: defineTask('dash.double', (p: { n: number }) => p.n * 2),
  refuse: defineTask('dash.refuse', (p: { n: number }) => {
    throw new PermanentError(`refused ${p.n}`);
  }),
  report: defineTask('dash.report', async (p: { n: number }) => {
    await new Promise((r) => setTimeout(r, 50));
    return p.n;
  }),
};

export function useDashboardHarness(cp: () => ControlPlane, nats: UsedNats): () => DashboardHarness {
  let h: DashboardHarness | undefined;
  const operators: RunningOperator[] = [];
  const workers: Worker[] = [];
  useCrds(cp);
  beforeAll(async () => {
    const ns = await freshNamespace(cp(), 'dash');
    const natsQueue = (name: string) => `${name}-${ns}`;
    operators.push(await startTestOperator(cp(), nats.server.url, { namespace: ns }));
    // The chart's RBAC, as rendered: the dashboard's ServiceAccount and rules, and the two roles for people.
    const rendered = manifests(await renderChart(cp(), 'dash', ns, ['--set', 'dashboard.enabled=true', '--set', 'crds.install=false']));
    const wanted = rendered.filter((m) => ['dash-celeriac-viewer', 'dash-celeriac-operator', 'dash-celeriac-dashboard'].includes(m.metadata.name) && ['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount'].includes(m.kind));
    // Each test file gets its own binding name (the shared API server outlives the namespace).
    for (const m of wanted) if (m.kind === 'ClusterRoleBinding') m.metadata.name = `dash-celeriac-dashboard-${ns}`;
    await kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: wanted }));
    for (const [sa, role] of [['viewer', 'dash-celeriac-viewer'], ['operator', 'dash-celeriac-operator']] as const) {
      await kubectlOk(cp(), ['create', 'serviceaccount', sa, '-n', ns]);
      await kubectlOk(cp(), ['create', 'rolebinding', sa, '-n', ns, `--clusterrole=${role}`, `--serviceaccount=${ns}:${sa}`]);
    }
    const tokenOf = async (sa: string) => (await cp().as({ serviceAccount: sa, namespace: ns })).token!;
    const tokens = { viewer: await tokenOf('viewer'), operator: await tokenOf('operator') };
    for (const name of ['orders', 'reports']) {
      await kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name }, spec: { queueName: natsQueue(name), storage: 'Memory' } }));
    }
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/orders', 'tq/reports', '--timeout=60s']);
    const orders = new Worker(nats.nc, { queue: natsQueue('orders'), tasks: [harnessTasks.double, harnessTasks.refuse], name: 'orders-worker-0', logger: testLogger, heartbeatIntervalMs: 200 });
    workers.push(orders);
    await orders.start();
    const identity = await cp().as({ serviceAccount: 'dash-celeriac-dashboard', namespace: ns });
    const dashboard = await startDashboard({ kubeConfig: identity.kubeConfig(), auth: 'token', port: 0, host: '127.0.0.1', natsUrl: nats.server.url, namespace: ns, logger: testLogger });
    h = {
      ns,
      dashboard,
      tokens,
      natsQueue,
      async startReportsWorker() {
        const w = new Worker(nats.nc, { queue: natsQueue('reports'), tasks: [harnessTasks.report], name: 'reports-worker-0', concurrency: 10, logger: testLogger, heartbeatIntervalMs: 200 });
        workers.push(w);
        await w.start();
        return w;
      },
    };
  });
  afterAll(async () => {
    await h?.dashboard.close();
    await Promise.all(workers.map((w) => w.close(1000)));
    await Promise.all(operators.map((o) => o.stop()));
  });
  return () => {
    if (!h) throw new Error('dashboard harness not started: call useDashboardHarness() in a describe block');
    return h;
  };
}
