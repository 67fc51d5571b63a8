/**
 * The dashboard at scale (issue 17): 200 TaskQueues in 20 namespaces, each with its streams in a
 * real nats-server and a few tasks waiting, against a real API server. Measured: the overview's
 * response time (HTML and JSON; the first one cold, the others from the shared cache), and the
 * NATS requests per second the dashboard makes (its connection's in_msgs on the server's /connz)
 * with one live viewer and with twenty: the shared poll loop keeps them equal.
 *
 * `node bench/dashboard.ts [--quick] [--json]`; JSON lines like the other scenarios.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startDashboard } from '@celeriac/dashboard';
import { taskSubject } from 'celeriac/protocol';
import { startControlPlane } from '../test/support/kube.ts';
import { startNats } from '../test/support/nats.ts';
import { kubectlOk } from '../test/support/operator.ts';
import { connectTo, createQueue } from '../test/support/queue.ts';
import { parseBenchArgs } from './args.ts';
import { percentile, sortedCopy } from './stats.ts';
import type { FigureLine } from './results.ts';

const SCENARIO = 'dashboard-200';
const PER_NAMESPACE = 10;

async function pooled<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function dashboardInMsgs(monitorUrl: string): Promise<number> {
  const body = (await (await fetch(`${monitorUrl}/connz?limit=4096`)).json()) as { connections?: Array<{ name?: string; in_msgs: number }> };
  return (body.connections ?? []).filter((c) => c.name === 'celeriac-dashboard').reduce((s, c) => s + c.in_msgs, 0);
}

/** Opens `n` live streams of the overview, as `n` browsers would; returns a function closing them. */
async function viewers(url: string, n: number): Promise<() => void> {
  const controller = new AbortController();
  await Promise.all(Array.from({ length: n }, async () => {
    const r = await fetch(`${url}/events`, { signal: controller.signal });
    const reader = r.body!.getReader();
    void (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
  }));
  return () => controller.abort();
}

export async function runDashboardBench(opts: { queues: number; samples: number; windowS: number; log: (s: string) => void }): Promise<FigureLine[]> {
  const n = opts.queues;
  const namespaces = Array.from({ length: Math.ceil(n / PER_NAMESPACE) }, (_, k) => `dash-${k}`);
  opts.log(`[bench] ${SCENARIO}: ${n} queues in ${namespaces.length} namespaces`);
  const nats = await startNats();
  const cp = await startControlPlane({ profile: 'api' });
  const nc = await connectTo(nats.url);
  const figures: FigureLine[] = [];
  const figure = (metric: string, value: number, unit: string, extra: Partial<FigureLine> = {}) =>
    figures.push({ scenario: SCENARIO, system: 'celeriac', metric, value: Math.round(value * 100) / 100, unit, ...extra });
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  try {
    await kubectlOk(cp, ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp, ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev']);
    await pooled(namespaces, 8, (ns) => kubectlOk(cp, ['create', 'namespace', ns]));
    const queues = Array.from({ length: n }, (_, i) => ({ ns: namespaces[Math.floor(i / PER_NAMESPACE)]!, name: `q${i % PER_NAMESPACE}` }));
    const api = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
    // The streams made by the one queue set-up path (ensureQueue), as the operator would.
    await pooled(queues, 16, async (q) => {
      await api.create({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name: q.name, namespace: q.ns }, spec: { queueName: `${q.ns}-${q.name}`, storage: 'Memory' } } as KubernetesObject);
      await createQueue(nc, `${q.ns}-${q.name}`, { storage: 'memory' });
      for (let k = 0; k < 5; k++) nc.publish(taskSubject(`${q.ns}-${q.name}`, 'bench.noop'), new Uint8Array());
    });
    await nc.flush();
    await sleep(2000); // let the API server settle after 200 creates
    dashboard = await startDashboard({ kubeConfig: cp.kubeConfig(), auth: 'kubeconfig', host: '127.0.0.1', port: 0, natsUrl: nats.url, logger: pino({ level: 'warn' }) });
    const timed = async (path: string) => {
      const t = performance.now();
      const r = await fetch(`${dashboard!.url}${path}`);
      const body = await r.text();
      if (!r.ok || !body.includes('q9')) throw new Error(`${path} answered ${r.status}`);
      return performance.now() - t;
    };
    figure('overview-cold', await timed('/'), 'ms');
    for (const [path, name] of [['/', 'overview-html'], ['/api/queues', 'overview-json']] as const) {
      const times: number[] = [];
      for (let k = 0; k < opts.samples; k++) {
        times.push(await timed(path));
        await sleep(100);
      }
      const s = sortedCopy(times);
      figure(`${name}-p50`, percentile(s, 50), 'ms', { runs: s.length });
      figure(`${name}-p99`, percentile(s, 99), 'ms', { runs: s.length, min: s[0]!, max: s[s.length - 1]! });
    }
    for (const count of [1, 20]) {
      const close = await viewers(dashboard.url, count);
      await sleep(2000);
      const m0 = await dashboardInMsgs(nats.monitorUrl);
      const w0 = Date.now();
      await sleep(opts.windowS * 1000);
      figure(`nats-requests-per-second-${count}-viewer${count > 1 ? 's' : ''}`, ((await dashboardInMsgs(nats.monitorUrl)) - m0) / ((Date.now() - w0) / 1000), 'req/s');
      close();
    }
    return figures;
  } finally {
    await dashboard?.close();
    await nc.close();
    await cp.stop();
    await nats.stop();
  }
}

if (import.meta.main) {
  const args = parseBenchArgs(process.argv.slice(2));
  const wanted = (args.only.length === 0 || args.only.some((o) => SCENARIO.startsWith(o))) && args.systems.includes('celeriac');
  // stdout is JSON lines only; the readable summary goes to stderr.
  const say = (s: string) => (args.jsonOnly ? undefined : process.stderr.write(`${s}\n`));
  if (wanted) {
    const lines = await runDashboardBench({ queues: 200, samples: args.quick ? 10 : 30, windowS: args.quick ? 5 : 10, log: say });
    lines.forEach((l) => console.log(JSON.stringify(l)));
    say(lines.map((l) => `  ${l.metric.padEnd(36)} ${l.value} ${l.unit}`).join('\n'));
  }
}
