// The Helm chart (helm/celeriac): lint, values schema, documented values, CRDs from crds/, the
// rendered manifests against a real API server (server-side dry run, Pod Security admission), and
// install, upgrade and uninstall in a simulated cluster. RBAC: helm-rbac.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { taskQueue, workerPool } from '../../operator/src/test-fixtures.ts';
import { desiredDeployment } from '../../operator/src/workerpool/desired-deployment.ts';
import { chartDir, manifests, only, readChartFile, renderChart, repoRoot, valueLeaves, type DeploymentManifest, type Manifest } from '../support/chart.ts';
import type { ControlPlane } from '../support/kube.ts';
import { kubectlOk } from '../support/operator.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const ciValues = readdirSync(join(chartDir, 'ci')).filter((f) => f.endsWith('.yaml'));
const crdFiles = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml'));
const KEEP = '  annotations:\n    helm.sh/resource-policy: keep\n';
const PSA_WARNING = /would violate PodSecurity/;

let n = 0;
/** A fresh namespace where Pod Security admission warns about anything short of `restricted`. */
async function restrictedNamespace(cp: ControlPlane, prefix: string): Promise<string> {
  const ns = `${prefix}-${process.pid}-${++n}`;
  await kubectlOk(cp, ['create', 'namespace', ns]);
  await kubectlOk(cp, ['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
  return ns;
}

interface NetworkPolicyPort {
  protocol: string;
  port: number | string;
}
interface NetworkPolicyManifest extends Manifest {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{ ports: NetworkPolicyPort[]; from?: unknown[] }>;
    egress: Array<{ to: unknown[]; ports: NetworkPolicyPort[] }>;
  };
}

const security = (d: DeploymentManifest) => {
  const pod = d.spec.template.spec;
  const c = pod.containers[0]!;
  return { pod: pod.securityContext, container: c.securityContext, resources: c.resources, tmp: c.volumeMounts?.find((m) => m.mountPath === '/tmp') };
};

describe('helm chart: rendering and values', () => {
  const cp = useControlPlane({ profile: 'api' });
  const install = (...args: string[]) => cp().helm(['install', 'schema-check', chartDir, '--dry-run=client', '--namespace', 'default', ...args]);

  it('passes helm lint --strict with the default values and with every value set in ci/', async () => {
    for (const values of [[], ...ciValues.map((f) => ['--values', join(chartDir, 'ci', f)])]) {
      const res = await cp().helm(['lint', '--strict', chartDir, ...values]);
      expect(res.code, `${values.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
      expect(res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it('renders the CRDs of crds/ byte for byte, marked to survive an uninstall unless crds.keep=false', async () => {
    const kept = await renderChart(cp(), 'r', 'ns');
    const dropped = await renderChart(cp(), 'r', 'ns', ['--set', 'crds.keep=false']);
    for (const file of crdFiles) {
      const text = readFileSync(join(repoRoot, 'crds', file), 'utf8');
      expect(dropped, file).toContain(text);
      expect(kept.replaceAll(KEEP, ''), file).toContain(text);
    }
    const crds = manifests(kept).filter((m) => m.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(crdFiles.map((f) => (parse(readFileSync(join(repoRoot, 'crds', f), 'utf8')) as Manifest).metadata.name).sort());
    for (const crd of crds) expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(manifests(dropped).filter((m) => m.kind === 'CustomResourceDefinition').every((c) => c.metadata.annotations === undefined)).toBe(true);
    expect(manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'crds.install=false'])).some((m) => m.kind === 'CustomResourceDefinition')).toBe(false);
  });

  it.each([
    ['a negative replicaCount', 'replicaCount=-1', "at '/replicaCount': minimum: got -1, want 0"],
    ['a misspelt key', 'replicas=2', "at '': additional properties 'replicas' not allowed"],
    ['a misspelt nested key', 'nats.uri=nats://x:4222', "at '/nats': additional properties 'uri' not allowed"],
    ['an unknown rbac.scope', 'rbac.scope=cluster-wide', "at '/rbac/scope': value must be one of 'cluster', 'namespace'"],
    ['an unknown NATS auth type', 'nats.auth.type=password', "at '/nats/auth/type': value must be one of 'none', 'creds', 'userPassword', 'token'"],
    ['a NATS URL without a scheme', 'nats.url=nats.svc:4222', "at '/nats/url': 'nats.svc:4222' does not match pattern"],
    ['a word for a port', 'metrics.port=http', "at '/metrics/port': got string, want integer"],
    ['an image tag in the digest', 'image.digest=latest', "at '/image/digest': 'latest' does not match pattern"],
    ['a pull policy Kubernetes does not know', 'image.pullPolicy=Sometimes', "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"],
    ['a refresh interval under a second', 'queueRefreshMs=100', "at '/queueRefreshMs': minimum: got 100, want 1,000"],
    ['a log level pino does not have', 'logLevel=verbose', "at '/logLevel': value must be one of"],
    ['an upper-case namespace', 'watchNamespace=Team-A', "at '/watchNamespace': 'Team-A' does not match pattern"],
  ])('refuses %s at install time, naming the value (values.schema.json)', async (_, set, message) => {
    const res = await install('--set', set);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(res.stderr).toContain(message);
  });

  it.each([
    ['two replicas without leader election', ['replicaCount=2', 'leaderElection.enabled=false'], 'replicaCount > 1 needs leaderElection.enabled=true'],
    ['a watched namespace with a cluster-wide install', ['watchNamespace=team-a'], 'watchNamespace is only for rbac.scope=namespace'],
    ['NATS credentials without their Secret', ['nats.auth.type=token'], 'nats.auth.existingSecret is required with nats.auth.type=token'],
    ['no ServiceAccount at all', ['serviceAccount.create=false'], 'serviceAccount.name is required with serviceAccount.create=false'],
    ['a ServiceMonitor without its Service', ['metrics.serviceMonitor.enabled=true', 'metrics.service.enabled=false'], 'metrics.serviceMonitor.enabled needs metrics.service.enabled'],
  ])('refuses %s with a message that says what to change', async (_, sets, message) => {
    const res = await install(...sets.flatMap((s) => ['--set', s]));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });

  it('tells the installer what it installed, what it watches and how to check it (NOTES.txt)', async () => {
    // The run's shared API server may already hold the CRDs (applied by other test files with
    // kubectl), which Helm refuses to adopt even in a dry run; NOTES.txt does not depend on them.
    const res = await install('--set', 'rbac.scope=namespace', '--set', 'watchNamespace=team-a', '--set', 'crds.install=false');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Celeriac operator 0.1.0 is installed in namespace default.');
    expect(res.stdout).toContain('It watches TaskQueues and WorkerPools in namespace team-a only.');
    expect(res.stdout).toContain('kubectl -n default rollout status deployment/schema-check-celeriac');
    expect(res.stdout).toContain('`helm uninstall` keeps the CRDs and every TaskQueue and WorkerPool');
  });

  it('documents every value of values.yaml, with its default, in the README, and nothing else', () => {
    const leaves = valueLeaves(parse(readChartFile('values.yaml')));
    const readme = readChartFile('README.md').split('\n## Values\n')[1]!.split('\n## ')[0]!;
    const documented = [...readme.matchAll(/^\| `([^`]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1]!, m[2]!]);
    const shown = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(leaves.map(([k, v]) => [k, shown(v)])));
  });

  it('runs the operator non-root, read-only, without capabilities, seccomp RuntimeDefault, with requests and limits, in every value set', async () => {
    for (const values of [[], ...ciValues.map((f) => ['--values', join(chartDir, 'ci', f)])]) {
      const s = security(only<DeploymentManifest>(manifests(await renderChart(cp(), 'r', 'ns', values)), 'Deployment'));
      expect(s.pod).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(s.container).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(Object.keys(s.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(s.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(s.tmp, 'a writable /tmp for the read-only root').toBeDefined();
    }
  });

  it('selects the worker pods the operator creates, on their metrics port, with the worker PodMonitor', async () => {
    const monitor = only<Manifest & { spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string }> } }>(
      manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'metrics.workerPodMonitor.enabled=true'])),
      'PodMonitor',
    );
    const pod = desiredDeployment(workerPool('emails-workers'), taskQueue('emails'), { defaultNatsUrl: 'nats://nats:4222' }).spec!.template;
    expect(pod.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(pod.spec?.containers[0]?.ports?.map((p) => p.name)).toContain(monitor.spec.podMetricsEndpoints[0]!.port);
  });

  it('renders the NetworkPolicies only with networkPolicy.enabled, selecting the operator and worker pods on their metrics port', async () => {
    const policies = (objs: Manifest[]) => objs.filter((o): o is NetworkPolicyManifest => o.kind === 'NetworkPolicy');
    expect(policies(manifests(await renderChart(cp(), 'r', 'ns')))).toEqual([]);
    const off = await renderChart(cp(), 'r', 'ns', ['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.workers.enabled=false']);
    expect(policies(manifests(off)).map((p) => p.metadata.name)).toEqual(['r-celeriac']);

    const objs = manifests(await renderChart(cp(), 'r', 'ns', ['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.workers.namespaces={apps,jobs}']));
    const operator = policies(objs).find((p) => p.metadata.name === 'r-celeriac');
    const workers = policies(objs).filter((p) => p.metadata.name === 'r-celeriac-workers');
    expect(operator?.metadata.namespace).toBe('ns');
    expect(workers.map((p) => p.metadata.namespace).sort()).toEqual(['apps', 'jobs']);
    const operatorPod = only<DeploymentManifest>(objs, 'Deployment').spec.template as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { containers: Array<{ ports?: Array<{ name?: string }> }> };
    };
    const workerPod = desiredDeployment(workerPool('emails-workers'), taskQueue('emails'), { defaultNatsUrl: 'nats://nats:4222' }).spec!.template;
    for (const [policy, labels, ports] of [
      [operator!, operatorPod.metadata.labels, operatorPod.spec.containers[0]!.ports],
      [workers[0]!, workerPod.metadata!.labels!, workerPod.spec!.containers[0]!.ports],
    ] as const) {
      expect(labels).toMatchObject(policy.spec.podSelector.matchLabels);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      // Ingress: the named metrics/health port only, which the pod must declare.
      expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 'http' }] }]);
      expect(ports?.map((p) => p.name)).toContain('http');
      const egressPorts = policy.spec.egress.map((e) => e.ports.map((p) => `${p.protocol}/${p.port}`).join(','));
      expect(egressPorts.slice(0, 2)).toEqual(['UDP/53,TCP/53', 'TCP/4222']);
    }
    expect(operator!.spec.egress[2]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
    expect(workers[0]!.spec.egress, 'workers never talk to the API server').toHaveLength(2);
  });

  it.each([
    ['a cluster-wide install that does not say where the workers are', ['networkPolicy.enabled=true'], 'networkPolicy.workers.namespaces must list the namespaces of your WorkerPools'],
    ['NATS selected by nothing', ['networkPolicy.enabled=true', 'networkPolicy.workers.enabled=false', 'networkPolicy.nats.podSelector=null'], 'networkPolicy.nats needs a namespaceSelector, podSelector or cidrs'],
    ['no API server address', ['networkPolicy.enabled=true', 'networkPolicy.workers.enabled=false', 'networkPolicy.apiServer.cidrs=null'], 'networkPolicy.apiServer.cidrs needs at least one CIDR'],
  ])('refuses NetworkPolicies with %s', async (_, sets, message) => {
    const res = await install(...sets.flatMap((s) => ['--set', s]));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });

  it('turns leader election, replicas and NATS settings into the operator environment its config reads', async () => {
    const objs = manifests(
      await renderChart(cp(), 'r', 'ops', ['--values', join(chartDir, 'ci', 'namespaced-values.yaml'), '--set', 'watchNamespace=team-b']),
    );
    const d = only<DeploymentManifest>(objs, 'Deployment');
    const env = Object.fromEntries((d.spec.template.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(d.spec.replicas).toBe(2);
    expect(env).toMatchObject({
      NATS_URL: 'tls://nats-0.nats.nats.svc:4222,tls://nats-1.nats.nats.svc:4222',
      WORKER_NATS_URL: 'tls://nats.nats.svc:4222',
      NATS_CREDS_FILE: '/etc/celeriac/nats-auth/creds',
      NATS_CA_FILE: '/etc/celeriac/nats-ca/ca.crt',
      NATS_CERT_FILE: '/etc/celeriac/nats-client/tls.crt',
      NATS_KEY_FILE: '/etc/celeriac/nats-client/tls.key',
      WATCH_NAMESPACE: 'team-b',
      LEADER_ELECTION: 'true',
      LEASE_NAME: 'r-celeriac',
      POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      LOG_LEVEL: 'debug',
    });
    const volumes = Object.fromEntries((d.spec.template.spec.volumes ?? []).map((v) => [v.name, v.secret]));
    expect(volumes['nats-auth']).toMatchObject({ secretName: 'nats-operator-creds', items: [{ key: 'creds', path: 'creds' }] });
    expect(volumes['nats-ca']).toMatchObject({ secretName: 'nats-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    expect(volumes['nats-client']).toMatchObject({ secretName: 'nats-operator-tls' });
    expect(only(objs, 'Role', 'r-celeriac').metadata.namespace).toBe('team-b');
    expect(objs.some((o) => o.kind === 'ClusterRole')).toBe(false);

    const userPassword = only<DeploymentManifest>(manifests(await renderChart(cp(), 'r', 'ops', ['--values', join(chartDir, 'ci', 'user-password-values.yaml')])), 'Deployment');
    const upEnv = userPassword.spec.template.spec.containers[0]!.env ?? [];
    expect(upEnv.find((e) => e.name === 'NATS_USER')?.valueFrom).toEqual({ secretKeyRef: { name: 'nats-operator', key: 'username' } });
    expect(upEnv.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'nats-operator', key: 'password' } });
    expect(upEnv.find((e) => e.name === 'LEADER_ELECTION')?.value).toBe('false');
    // Without the Lease, old and new operator pods must not overlap during a rollout.
    expect(userPassword.spec.strategy).toEqual({ type: 'Recreate' });
  });
});

describe('helm chart against a real API server (server-side dry run)', () => {
  const cp = useControlPlane({ profile: 'api' });
  // The manifests name their namespaces (the Role of a namespaced install lives in another one).
  const dryRun = (yaml: string) => cp().kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml });

  beforeAll(async () => {
    await kubectlOk(cp(), ['apply', '--server-side', '-f', join(repoRoot, 'test', 'support', 'fixtures', 'prometheus-operator-crds.yaml')]);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com', 'crd/podmonitors.monitoring.coreos.com']);
  });

  it('accepts the default manifests, with no Pod Security warning in a restricted namespace', async () => {
    const ns = await restrictedNamespace(cp(), 'helm-defaults');
    const res = await dryRun(await renderChart(cp(), 'celeriac', ns));
    expect(res.code, res.stderr).toBe(0);
    for (const what of ['customresourcedefinition.apiextensions.k8s.io/taskqueues.celeriac.dev', 'customresourcedefinition.apiextensions.k8s.io/workerpools.celeriac.dev', 'serviceaccount/celeriac', 'clusterrole.rbac.authorization.k8s.io/celeriac', 'clusterrolebinding.rbac.authorization.k8s.io/celeriac', 'role.rbac.authorization.k8s.io/celeriac-leader-election', 'service/celeriac-metrics', 'deployment.apps/celeriac']) {
      expect(res.stdout).toMatch(new RegExp(`${what.replaceAll('.', '\\.')} (created|configured|unchanged) \\(server dry run\\)`));
    }
    expect(res.stderr).not.toMatch(PSA_WARNING);
  });

  it.each(ciValues)('accepts the manifests of ci/%s', async (file) => {
    const ns = await restrictedNamespace(cp(), 'helm-ci');
    const watched = file === 'namespaced-values.yaml' ? ['--set', `watchNamespace=${await restrictedNamespace(cp(), 'helm-watched')}`] : [];
    const yaml = await renderChart(cp(), 'celeriac', ns, ['--values', join(chartDir, 'ci', file), ...watched]);
    const res = await dryRun(yaml);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(PSA_WARNING);
    const kinds = manifests(yaml).map((m) => m.kind);
    if (file === 'namespaced-values.yaml') {
      expect(res.stdout).toMatch(/servicemonitor\.monitoring\.coreos\.com\/celeriac created \(server dry run\)/);
      expect(res.stdout).toMatch(/podmonitor\.monitoring\.coreos\.com\/celeriac-workers created \(server dry run\)/);
    }
    if (file === 'network-policy-values.yaml') {
      expect(res.stdout).toMatch(/networkpolicy\.networking\.k8s\.io\/celeriac created \(server dry run\)/);
      expect(res.stdout).toMatch(/networkpolicy\.networking\.k8s\.io\/celeriac-workers created \(server dry run\)/);
    }
    expect(kinds).toContain('Deployment');
  });

  it('refuses a NetworkPolicy that the schema let through (the dry run checks the policies)', async () => {
    const ns = await restrictedNamespace(cp(), 'helm-np');
    const yaml = await renderChart(cp(), 'celeriac', ns, ['--set', 'crds.install=false', '--set', 'rbac.scope=namespace', '--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.apiServer.cidrs={10.0.0.300/32}']);
    const res = await dryRun(yaml);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/NetworkPolicy.*invalid[\s\S]*ipBlock\.cidr/);
  });

  it('would see a pod that breaks the restricted policy (the check above can fail)', async () => {
    const ns = await restrictedNamespace(cp(), 'helm-psa');
    const yaml = await renderChart(cp(), 'celeriac', ns, ['--set', 'securityContext.allowPrivilegeEscalation=true', '--set', 'crds.install=false']);
    const res = await dryRun(yaml);
    expect(res.stderr).toMatch(PSA_WARNING);
    expect(res.stderr).toContain('allowPrivilegeEscalation != false');
  });

  it('is refused by the API server when a value slips past the schema into an invalid object', async () => {
    // The schema cannot know every Kubernetes rule; the dry run is what proves the manifests.
    const ns = await restrictedNamespace(cp(), 'helm-bad');
    const res = await dryRun(await renderChart(cp(), 'celeriac', ns, ['--set', 'crds.install=false', '--set', 'resources.limits.memory=lots']));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/quantities must match the regular expression|resources\.limits/);
  });
});

describe('helm install, upgrade and uninstall in a simulated cluster', () => {
  const cp = useControlPlane({ profile: 'cluster' });
  const ns = 'celeriac-system';
  const crds = ['crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev'];
  const helmOk = async (...args: string[]) => {
    const res = await cp().helm([...args, '--namespace', ns]);
    expect(res.code, `helm ${args.join(' ')}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };
  const runningOperators = async () => {
    const pods = JSON.parse(await kubectlOk(cp(), ['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=celeriac', '-o', 'json'])) as {
      items: Array<{ metadata: { deletionTimestamp?: string }; status: { phase: string }; spec: { serviceAccountName: string } }>;
    };
    return pods.items.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
  };
  const uid = async (crd: string) => kubectlOk(cp(), ['get', crd, '-o', 'jsonpath={.metadata.uid}']);

  it('installs: CRDs Established, the operator pod Running in a namespace that enforces the restricted policy', { timeout: 180_000 }, async () => {
    await kubectlOk(cp(), ['create', 'namespace', ns]);
    // Enforced: a pod short of `restricted` is refused outright, so Running proves compliance.
    await kubectlOk(cp(), ['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
    await helmOk('install', 'celeriac', chartDir, '--wait', '--timeout=120s');
    await kubectlOk(cp(), ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
    const pods = await runningOperators();
    expect(pods).toHaveLength(1);
    expect(pods[0]!.spec.serviceAccountName).toBe('celeriac');
    expect(await helmOk('status', 'celeriac')).toMatch(/STATUS: deployed/);
  });

  it('upgrades: two replicas Running, the release at revision 2', { timeout: 180_000 }, async () => {
    await helmOk('upgrade', 'celeriac', chartDir, '--reuse-values', '--set', 'replicaCount=2', '--wait', '--timeout=120s');
    expect(await runningOperators()).toHaveLength(2);
    expect(await helmOk('history', 'celeriac', '-o', 'json')).toMatch(/"revision":2,[^}]*"status":"deployed"/);
  });

  it('uninstalls without touching the CRDs or the queues, and a new install adopts them', { timeout: 180_000 }, async () => {
    await kubectlOk(cp(), ['create', 'namespace', 'apps']);
    await kubectlOk(cp(), ['apply', '-n', 'apps', '-f', join(repoRoot, 'examples', 'queue.yaml')]);
    const before = await Promise.all(crds.map(uid));
    const out = await helmOk('uninstall', 'celeriac', '--wait', '--timeout=120s');
    expect(out).toMatch(/These resources were kept due to the resource policy:\n(\[CustomResourceDefinition\] \S+\n){2}/);
    expect(await Promise.all(crds.map(uid))).toEqual(before);
    await kubectlOk(cp(), ['get', '-n', 'apps', 'tq/emails', 'wp/emails-workers']);
    for (const gone of ['deployment/celeriac', 'serviceaccount/celeriac', 'service/celeriac-metrics']) expect((await cp().kubectl(['get', '-n', ns, gone])).code, gone).not.toBe(0);
    expect((await cp().kubectl(['get', 'clusterrole/celeriac'])).code).not.toBe(0);

    await helmOk('install', 'celeriac', chartDir, '--wait', '--timeout=120s');
    expect(await Promise.all(crds.map(uid))).toEqual(before);
    await kubectlOk(cp(), ['get', '-n', 'apps', 'tq/emails']);
  });

  it('removes the CRDs, and the queues with them, on uninstall once crds.keep=false', { timeout: 180_000 }, async () => {
    await helmOk('upgrade', 'celeriac', chartDir, '--reuse-values', '--set', 'crds.keep=false', '--wait', '--timeout=120s');
    expect(await kubectlOk(cp(), ['get', crds[0]!, '-o', 'jsonpath={.metadata.annotations}'])).not.toContain('resource-policy');
    await helmOk('uninstall', 'celeriac', '--wait', '--timeout=120s');
    await kubectlOk(cp(), ['wait', '--for=delete', '--timeout=60s', ...crds]);
    const list = await cp().kubectl(['get', '--raw', '/apis/celeriac.dev/v1alpha1/namespaces/apps/taskqueues']);
    expect(list.stderr).toMatch(/NotFound/);
  });
});
