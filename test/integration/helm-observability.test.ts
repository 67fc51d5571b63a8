// The chart's Grafana dashboard and PrometheusRule: rendered only when asked, labelled for the
// Grafana sidecar and the Prometheus Operator, the rule accepted by the real PrometheusRule CRD,
// and every metric their PromQL queries one that a real operator and a real worker export.
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Client, PermanentError, Worker, defineTask } from 'celeriac';
import type { RunningOperator } from '../../operator/src/operator.ts';
import { chartDir, manifests, only, renderChart, repoRoot, type Manifest } from '../support/chart.ts';
import { exposedSeries } from '../support/exposition.ts';
import { freshNamespace, kubectlOk, startTestOperator } from '../support/operator.ts';
import { queriedMetrics, variableQueryExpr } from '../support/promql.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';

interface Target {
  expr: string;
  datasource: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: string | { query: string } }> };
}
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type RuleManifest = Manifest & { spec: { groups: Array<{ name: string; rules: AlertRule[] }> } };

const dashboardFile = join(chartDir, 'files', 'grafana', 'celeriac.json');
const readDashboard = () => JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;

/** Every PromQL expression of a dashboard: panel targets and variable queries, named for messages. */
function dashboardQueries(d: Dashboard): Array<[string, string]> {
  const queries: Array<[string, string]> = [];
  for (const p of d.panels) for (const t of p.targets ?? []) queries.push([`panel "${p.title}"`, t.expr]);
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    const expr = variableQueryExpr(typeof v.query === 'string' ? v.query : v.query.query);
    if (expr !== undefined) queries.push([`variable $${v.name}`, expr]);
  }
  return queries;
}

/** Metrics that no exporter serves, and expressions that are not PromQL, one line each. */
function unexported(queries: Array<[string, string]>, exported: Set<string>): string[] {
  return queries.flatMap(([where, expr]) => {
    const q = queriedMetrics(expr);
    return [...q.problems.map((p) => `${where}: ${p}`), ...q.metrics.filter((m) => !exported.has(m)).map((m) => `${where}: ${m} is not exported`)];
  });
}

// Prometheus's rule checker and evaluator (Debian: apt-get install prometheus). Not a test server
// the suite builds: without it the evaluation test is skipped, and says so.
const promtool = spawnSync('promtool', ['--version']).status === 0;

const alertsIn = (yaml: string) => only<RuleManifest>(manifests(yaml), 'PrometheusRule').spec.groups.flatMap((g) => g.rules);

describe('helm chart: Grafana dashboard and PrometheusRule', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  /** Series names the operator's /metrics and a worker's registry serve (process metrics included). */
  let exported: Set<string>;
  let operator: RunningOperator | undefined;
  let worker: Worker | undefined;
  let client: Client | undefined;

  beforeAll(async () => {
    await kubectlOk(cp(), ['apply', '--server-side', '-f', join(repoRoot, 'crds', 'taskqueue.yaml'), '-f', join(repoRoot, 'crds', 'workerpool.yaml')]);
    await kubectlOk(cp(), ['apply', '--server-side', '-f', join(repoRoot, 'test', 'support', 'fixtures', 'prometheusrule-crd.yaml')]);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', '--timeout=60s', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', 'crd/prometheusrules.monitoring.coreos.com']);
    // Its own namespace: the run's shared API server holds other files' queues.
    operator = await startTestOperator(cp(), nats.server.url, { namespace: await freshNamespace(cp(), 'observe') });
    const fromOperator = await (await fetch(`${operator.health.url}/metrics`)).text();

    // A worker that has run a task and dead-lettered one, so its per-task series have samples.
    const queue = uniqueQueue('observe');
    await createQueue(nats.nc, queue, { results: { enabled: true, ttlMs: 60_000, maxBytes: 0 } });
    const ok = defineTask('observe.ok', () => 1);
    const bad = defineTask('observe.bad', () => {
      throw new PermanentError('always');
    });
    worker = new Worker(nats.nc, { queue, tasks: [ok, bad], logger: testLogger, heartbeatIntervalMs: 0, processMetrics: true });
    await worker.start();
    client = new Client(nats.nc, { queue });
    expect(await (await client.enqueue(ok, {})).result({ timeoutMs: 10_000 })).toBe(1);
    await client.enqueue(bad, {});
    const fromWorker = await waitFor(async () => {
      const text = await worker!.metrics.registry.metrics();
      return text.includes('celeriac_tasks_dead_lettered_total{') ? text : undefined;
    }, { what: 'a dead letter in the worker metrics' });
    exported = new Set([...exposedSeries(fromOperator), ...exposedSeries(fromWorker)]);
  });
  afterAll(async () => {
    await worker?.close(1000);
    await client?.close();
    await operator?.stop();
  });

  it('renders neither the dashboard nor the rule by default', async () => {
    const kinds = manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false'])).map((m) => m.kind);
    expect(kinds).not.toContain('ConfigMap');
    expect(kinds).not.toContain('PrometheusRule');
  });

  it('passes helm lint --strict with both turned on', async () => {
    const res = await cp().helm(['lint', '--strict', chartDir, '--set', 'grafana.dashboard.enabled=true', '--set', 'prometheusRule.enabled=true']);
    expect(res.code, `${res.stdout}${res.stderr}`).toBe(0);
    expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it.each([
    ['a failure ratio above 1', ['--set-json', 'prometheusRule.taskFailureRatio=20'], "at '/prometheusRule/taskFailureRatio': maximum: got 20, want 1"],
    ['a backlog threshold of zero', ['--set', 'prometheusRule.queueBacklog=0'], "at '/prometheusRule/queueBacklog': minimum: got 0, want 1"],
    ['a label value Kubernetes refuses', ['--set', 'grafana.dashboard.labelValue=a b'], "at '/grafana/dashboard/labelValue': 'a b' does not match pattern"],
  ])('refuses %s, naming the value (values.schema.json)', async (_, set, message) => {
    const res = await cp().helm(['template', 'r', chartDir, ...set]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });

  it('puts the dashboard in a ConfigMap the Grafana sidecar picks up, with the label and namespace given', async () => {
    const on = ['--set', 'crds.install=false', '--set', 'grafana.dashboard.enabled=true'];
    const byDefault = only<Manifest & { data: Record<string, string> }>(manifests(await renderChart(cp(), 'r', 'ns', on)), 'ConfigMap');
    expect(byDefault.metadata).toMatchObject({ name: 'r-celeriac-dashboard', namespace: 'ns', labels: { grafana_dashboard: '1' } });
    expect(JSON.parse(byDefault.data['celeriac.json']!)).toEqual(readDashboard());

    const custom = only(
      manifests(
        await renderChart(cp(), 'r', 'ns', [...on, '--set', 'grafana.dashboard.namespace=monitoring', '--set', 'grafana.dashboard.labelName=dashboards.example.com/load', '--set', 'grafana.dashboard.labelValue=yes', '--set', 'grafana.dashboard.annotations.grafana_folder=Celeriac']),
      ),
      'ConfigMap',
    );
    expect(custom.metadata.namespace).toBe('monitoring');
    expect(custom.metadata.labels).toMatchObject({ 'dashboards.example.com/load': 'yes' });
    expect(custom.metadata.labels).not.toHaveProperty('grafana_dashboard');
    expect(custom.metadata.annotations).toEqual({ grafana_folder: 'Celeriac' });
  });

  it("keeps the queue's own namespace label on the operator's metrics (ServiceMonitor honorLabels)", async () => {
    // Else Prometheus renames it exported_namespace, and the dashboard's $namespace and the queue
    // alerts see the operator's namespace instead.
    const monitor = only<Manifest & { spec: { endpoints: Array<{ honorLabels?: boolean }> } }>(
      manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false', '--set', 'metrics.serviceMonitor.enabled=true'])),
      'ServiceMonitor',
    );
    expect(monitor.spec.endpoints.map((e) => e.honorLabels)).toEqual([true]);
  });

  it('has rows for queues, pools, workers and the operator, every query on the chosen data source, filtered by namespace and queue', () => {
    const d = readDashboard();
    expect(d.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Queues', 'Pools', 'Workers', 'Operator']);
    expect(d.templating.list.map((v) => [v.name, v.type])).toEqual([['datasource', 'datasource'], ['namespace', 'query'], ['queue', 'query']]);
    const targets = d.panels.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThan(15);
    for (const p of d.panels.filter((x) => x.type !== 'row')) expect(p.datasource?.uid, p.title).toBe('${datasource}');
    for (const t of targets) expect(t.datasource.uid, t.expr).toBe('${datasource}');
    // Grafana lays panels out on a 24-column grid; overlapping ones are pushed about on load.
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of d.panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    // Queue and worker panels follow the variables; pool and operator metrics carry no queue label.
    for (const t of targets.filter((x) => /celeriac_(queue|tasks?)_/.test(x.expr))) expect(t.expr, t.expr).toContain('queue=~"$queue"');
  });

  it('queries only metrics the operator and the workers export, in valid PromQL (dashboard)', () => {
    expect(exported.size).toBeGreaterThan(0);
    expect(unexported(dashboardQueries(readDashboard()), exported)).toEqual([]);
  });

  it('queries only metrics the operator and the workers export, in valid PromQL (alert rules)', async () => {
    const rules = alertsIn(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false', '--set', 'prometheusRule.enabled=true']));
    expect(unexported(rules.map((r) => [`alert ${r.alert}`, r.expr]), exported)).toEqual([]);
  });

  it('would see a query of a made-up metric, a bare histogram name or broken PromQL (the checks above can fail)', () => {
    const d = readDashboard();
    d.panels.push({ id: 99, type: 'timeseries', title: 'Invented', gridPos: { x: 0, y: 99, w: 1, h: 1 }, targets: [{ expr: 'sum(rate(celeriac_tasks_invented_total[$__rate_interval]))', datasource: { uid: '${datasource}' } }] });
    expect(unexported(dashboardQueries(d), exported)).toEqual(['panel "Invented": celeriac_tasks_invented_total is not exported']);
    expect(unexported([['x', 'rate(celeriac_task_duration_seconds[5m])']], exported)).toEqual(['x: celeriac_task_duration_seconds is not exported']);
    expect(unexported([['x', 'sum(rate(celeriac_tasks_started_total[5m])']], exported)[0]).toMatch(/^x: syntax error/);
    expect(unexported([['x', '{__name__=~"celeriac_.*"}']], exported)[0]).toMatch(/^x: selector without a metric name/);
  });

  it('gives every alert a severity, a summary and a description, with the labels, namespace and thresholds given', async () => {
    const rule = only<RuleManifest>(
      manifests(
        await renderChart(cp(), 'r', 'ns', [
          '--set', 'crds.install=false', '--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.namespace=monitoring',
          '--set', 'prometheusRule.labels.release=kube-prometheus-stack', '--set', 'prometheusRule.alertLabels.team=platform',
          '--set', 'prometheusRule.queueBacklog=2500000', '--set-json', 'prometheusRule.taskFailureRatio=0.05',
        ]),
      ),
      'PrometheusRule',
    );
    expect(rule.metadata).toMatchObject({ namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    const alerts = rule.spec.groups.flatMap((g) => g.rules);
    for (const a of alerts) {
      expect(a.labels.severity, a.alert).toMatch(/^(critical|warning)$/);
      expect(a.labels.team, a.alert).toBe('platform');
      expect(a.annotations.summary, a.alert).toBeTruthy();
      expect(a.annotations.description?.length, a.alert).toBeGreaterThan(80);
    }
    expect(alerts.find((a) => a.alert === 'CeleriacOperatorNoLeader')?.labels.severity).toBe('critical');
    expect(alerts.find((a) => a.alert === 'CeleriacQueueBacklogHigh')?.expr).toMatch(/> 2500000$/);
    expect(alerts.find((a) => a.alert === 'CeleriacTaskFailureRatio')?.expr).toMatch(/> 0\.05$/);
    // Prometheus, not Helm, fills in the alert's labels and value.
    expect(alerts.find((a) => a.alert === 'CeleriacQueueBacklogHigh')?.annotations.summary).toBe('Queue {{ $labels.namespace }}/{{ $labels.queue }} holds {{ $value }} tasks.');
  });

  it('lists in docs/operations.md exactly the alerts the chart ships', async () => {
    const rules = alertsIn(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false', '--set', 'prometheusRule.enabled=true']));
    const section = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8').split('\n## Alerts\n')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| `(Celeriac\w+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(rules.map((r) => [r.alert, r.labels.severity])));
  });

  it('is accepted by the API server against the PrometheusRule CRD, which refuses a malformed rule', async () => {
    const yaml = await renderChart(cp(), 'celeriac', 'default', ['--set', 'crds.install=false', '--set', 'prometheusRule.enabled=true', '--show-only', 'templates/prometheusrule.yaml']);
    const ok = await cp().kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/prometheusrule\.monitoring\.coreos\.com\/celeriac created \(server dry run\)/);
    const bad = await cp().kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml.replace('for: 15m', 'for: 15 minutes') });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.groups\[\d+\]\.rules\[\d+\]\.for/);
  });

  it.skipIf(!promtool)('fires and clears as docs/operations.md says, evaluated by promtool on scraped-like series', async () => {
    const rule = only<RuleManifest>(manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false', '--set', 'prometheusRule.enabled=true'])), 'PrometheusRule');
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-rules-'));
    try {
      writeFileSync(join(dir, 'full.yml'), stringify({ groups: rule.spec.groups }));
      const bare = rule.spec.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }) => r) }));
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: bare }));
      copyFileSync(join(repoRoot, 'test', 'support', 'fixtures', 'alert-rules.promtool.yaml'), join(dir, 'tests.yml'));
      const run = promisify(execFile);
      await expect(run('promtool', ['check', 'rules', join(dir, 'full.yml')])).resolves.toMatchObject({ stdout: expect.stringContaining('SUCCESS: 7 rules found') });
      const tested = await run('promtool', ['test', 'rules', 'tests.yml'], { cwd: dir }).catch((e: { stdout: string; stderr: string }) => e);
      expect(`${tested.stdout}${tested.stderr}`).toMatch(/^\s*SUCCESS\s*$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!promtool)('computes what the dashboard panels say, evaluated by promtool on scraped-like series', async () => {
    // Steady rates over 40 minutes, per second: 2 succeeded, 0.1 dead-lettered, 2.5 started, 0.5
    // failed; the backlog grows by 1. Half the attempts end within 0.75 s (linear in its bucket).
    const apps = 'namespace="apps",queue="emails"';
    const series = (name: string, labels: string, perMinute: number) => ({ series: `${name}{${apps},${labels}}`, values: `0+${perMinute}x40` });
    const input = [
      series('celeriac_queue_backlog', 'pod="op-1"', 60),
      series('celeriac_tasks_succeeded_total', 'task="send",pod="w1"', 120),
      series('celeriac_tasks_dead_lettered_total', 'task="send",reason="max-attempts",pod="w1"', 6),
      series('celeriac_tasks_started_total', 'task="send",pod="w1"', 150),
      series('celeriac_tasks_failed_total', 'task="send",pod="w1"', 30),
      ...[['0.5', 30], ['1', 90], ['5', 120], ['+Inf', 120]].map(([le, n]) => series('celeriac_task_duration_seconds_bucket', `task="send",outcome="succeeded",le="${le}",pod="w1"`, n as number)),
    ];
    const d = readDashboard();
    const expr = (title: string, i: number) => d.panels.find((p) => p.title === title)!.targets![i]!.expr.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, '.*');
    const queue = `{${apps.replace(',', ', ')}}`;
    const cases: Array<[string, number, string, number]> = [
      ['Arrivals and completions', 0, queue, 2],
      ['Arrivals and completions', 1, queue, 3.1],
      ['Failure ratio', 0, queue, 0.2],
      ['Task duration', 0, '{}', 0.75],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-dashboard-'));
    try {
      writeFileSync(join(dir, 'none.yml'), 'groups: []\n');
      const tests = (c: typeof cases) => c.map(([title, i, labels, value]) => ({ expr: expr(title, i), eval_time: '30m', exp_samples: [{ labels, value }] }));
      // Without any dead letter yet (no such series), arrivals are still completions plus growth.
      const noDeadLetters = input.filter((x) => !x.series.startsWith('celeriac_tasks_dead_lettered_total'));
      const groups = [
        { interval: '1m', input_series: input, promql_expr_test: tests(cases) },
        { interval: '1m', input_series: noDeadLetters, promql_expr_test: tests([['Arrivals and completions', 1, queue, 3]]) },
      ];
      writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['none.yml'], tests: groups }));
      const tested = await promisify(execFile)('promtool', ['test', 'rules', 'tests.yml'], { cwd: dir }).catch((e: { stdout: string; stderr: string }) => e);
      expect(`${tested.stdout}${tested.stderr}`).toMatch(/^\s*SUCCESS\s*$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
