// The chart's RBAC on a real API server: the operator's ServiceAccount may do each thing the
// operator does and nothing else (kubectl auth can-i), and the real operator process, run with
// that ServiceAccount's token and the environment the chart gives its container, reconciles a
// queue and its pool without a single forbidden request. Both RBAC scopes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from 'celeriac/testing';
import { startAppProcess, waitForHttp, type AppProcess } from '../support/app-process.ts';
import { chartDir, manifests, only, operatorEnv, renderChart, repoRoot, type DeploymentManifest } from '../support/chart.ts';
import type { ControlPlane } from '../support/kube.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { freshNamespace, getJson, kubectlOk } from '../support/operator.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const example = readFileSync(join(repoRoot, 'examples', 'queue.yaml'), 'utf8');
const operatorBin = join(repoRoot, 'operator', 'bin', 'celeriac-operator.js');

interface Install {
  release: string;
  /** Where the operator runs (its ServiceAccount, Lease). */
  ns: string;
  /** Where the queue lives. */
  apps: string;
  /** A namespace the operator has no business in. */
  other: string;
  sa: string;
  lease: string;
  values: string[];
}

/** `kubectl auth can-i` as the operator's ServiceAccount (the admin impersonates it). */
async function canI(cp: ControlPlane, install: Install, verb: string, resource: string, where: string, subresource?: string): Promise<boolean> {
  const scope = where === '*' ? ['--all-namespaces'] : ['-n', where];
  const res = await cp.kubectl(['auth', 'can-i', verb, resource, ...scope, ...(subresource ? [`--subresource=${subresource}`] : []), `--as=system:serviceaccount:${install.ns}:${install.sa}`]);
  if (res.stdout.trim() !== 'yes' && res.stdout.trim() !== 'no') throw new Error(`kubectl auth can-i ${verb} ${resource}: ${res.stderr}`);
  return res.stdout.trim() === 'yes';
}

type Request = [verb: string, resource: string, where: string, subresource?: string];

/** The requests among `requests` whose answer is not `expected`, in words (empty: all as expected). */
async function unexpected(cp: ControlPlane, install: Install, requests: Request[], expected: boolean): Promise<string[]> {
  const wrong: string[] = [];
  for (const [verb, resource, where, sub] of requests) {
    if ((await canI(cp, install, verb, resource, where, sub)) !== expected) wrong.push(`${verb} ${resource}${sub ? `/${sub}` : ''} in ${where}`);
  }
  return wrong;
}

/** What the operator does (operator/src): every one must be allowed where the queue lives. */
const needs = (i: Install): Request[] => [
  ['list', 'taskqueues.celeriac.dev', i.apps],
  ['watch', 'taskqueues.celeriac.dev', i.apps],
  ['patch', 'taskqueues.celeriac.dev', i.apps],
  ['patch', 'taskqueues.celeriac.dev', i.apps, 'status'],
  ['list', 'workerpools.celeriac.dev', i.apps],
  ['watch', 'workerpools.celeriac.dev', i.apps],
  ['patch', 'workerpools.celeriac.dev', i.apps, 'status'],
  ['update', 'workerpools.celeriac.dev', i.apps, 'finalizers'],
  ['list', 'deployments.apps', i.apps],
  ['watch', 'deployments.apps', i.apps],
  ['create', 'deployments.apps', i.apps],
  ['patch', 'deployments.apps', i.apps],
  ['patch', 'pods', i.apps],
  ['create', 'events', i.apps],
  ['get', 'secrets', i.apps],
  ['create', 'leases.coordination.k8s.io', i.ns],
  ['get', `leases.coordination.k8s.io/${i.lease}`, i.ns],
  ['update', `leases.coordination.k8s.io/${i.lease}`, i.ns],
];

/** What it never does: each must be denied. */
const mustNot = (i: Install): Request[] => [
  ['list', 'secrets', i.apps],
  ['watch', 'secrets', i.apps],
  ['create', 'secrets', i.apps],
  ['delete', 'secrets', i.apps],
  ['create', 'pods', i.apps],
  ['delete', 'pods', i.apps],
  ['list', 'pods', i.apps],
  ['get', 'pods', i.apps, 'exec'],
  ['create', 'pods', i.apps, 'exec'],
  ['delete', 'deployments.apps', i.apps],
  ['update', 'deployments.apps', i.apps],
  ['create', 'taskqueues.celeriac.dev', i.apps],
  ['delete', 'taskqueues.celeriac.dev', i.apps],
  ['update', 'taskqueues.celeriac.dev', i.apps],
  ['delete', 'workerpools.celeriac.dev', i.apps],
  ['get', 'configmaps', i.apps],
  ['delete', 'events', i.apps],
  ['update', 'leases.coordination.k8s.io/someone-elses-lease', i.ns],
  ['get', 'leases.coordination.k8s.io/someone-elses-lease', i.ns],
  ['create', 'leases.coordination.k8s.io', i.apps],
  ['list', 'leases.coordination.k8s.io', i.ns],
  ['create', 'clusterroles.rbac.authorization.k8s.io', '*'],
  ['create', 'rolebindings.rbac.authorization.k8s.io', i.apps],
  ['impersonate', 'serviceaccounts', i.apps],
  ['create', 'serviceaccounts', i.apps, 'token'],
  ['create', 'customresourcedefinitions.apiextensions.k8s.io', '*'],
  ['delete', 'namespaces', '*'],
  ['list', 'nodes', '*'],
];

describe('chart RBAC and the operator under it', () => {
  const cp = useControlPlane({ profile: 'api' });
  let nats: NatsServer;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    nats = await startNats();
    // The shared API server's CRDs are applied the way the other suites apply them; a release that
    // took ownership of them would fail theirs (only one owner), so these installs leave them out.
    await kubectlOk(cp(), ['apply', '--server-side', '-f', join(repoRoot, 'crds', 'taskqueue.yaml'), '-f', join(repoRoot, 'crds', 'workerpool.yaml')]);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await nats?.stop();
  });

  async function install(release: string, values: (apps: string) => string[]): Promise<Install> {
    const k = cp();
    const [ns, apps, other] = [await freshNamespace(k, 'op'), await freshNamespace(k, 'apps'), await freshNamespace(k, 'other')];
    const all = ['--set', 'crds.install=false', '--set', `nats.url=${nats.url}`, '--set', `metrics.port=${await freePort()}`, ...values(apps)];
    const res = await k.helm(['install', release, chartDir, '--namespace', ns, ...all]);
    expect(res.code, res.stderr).toBe(0);
    return { release, ns, apps, other, sa: `${release}-celeriac`, lease: `${release}-celeriac`, values: all };
  }

  /**
   * The operator as its container runs it: the image's command, the chart's env (rendered with
   * the install's values), the ServiceAccount's token instead of the mounted one.
   */
  async function runOperator(i: Install): Promise<{ proc: AppProcess; url: string }> {
    const deployment = only<DeploymentManifest>(manifests(await renderChart(cp(), i.release, i.ns, i.values)), 'Deployment');
    const env = operatorEnv(deployment, i.ns);
    const sa = await cp().as({ serviceAccount: i.sa, namespace: i.ns });
    // Loopback only in tests; in the pod the chart leaves HTTP_HOST at its default 0.0.0.0.
    const proc = startAppProcess(process.execPath, [operatorBin], { cwd: repoRoot, env: { ...env, KUBECONFIG: sa.kubeconfigPath, HTTP_HOST: '127.0.0.1' } });
    running.push(proc);
    const url = `http://127.0.0.1:${env.HTTP_PORT}`;
    await waitForHttp(`${url}/readyz`, proc);
    return { proc, url };
  }

  /** Queue and pool of examples/queue.yaml: Ready, Deployment created and owned, finalizer run on delete. */
  async function reconcilesTheExample(i: Install, proc: AppProcess): Promise<void> {
    try {
      await reconcile(i, proc);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- operator output (last 3000 characters):\n${proc.output().slice(-3000)}`, { cause: e });
    }
  }

  async function reconcile(i: Install, proc: AppProcess): Promise<void> {
    const k = cp();
    await kubectlOk(k, ['apply', '-n', i.apps, '-f', '-'], example);
    await kubectlOk(k, ['wait', '-n', i.apps, '--for=condition=Ready', 'tq/emails', '--timeout=60s']);
    await kubectlOk(k, ['wait', '-n', i.apps, '--for=create', 'deployment/emails-workers', '--timeout=60s']);
    const deployment = await getJson<{ metadata: { ownerReferences?: Array<{ kind: string; blockOwnerDeletion?: boolean }> } }>(k, ['-n', i.apps, 'deployment/emails-workers']);
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'WorkerPool', blockOwnerDeletion: true });
    await kubectlOk(k, ['wait', '-n', i.apps, '--for=condition=QueueFound', 'wp/emails-workers', '--timeout=60s']);
    const holder = await kubectlOk(k, ['get', 'lease', i.lease, '-n', i.ns, '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(holder).not.toBe('');
    const events = await kubectlOk(k, ['get', 'events', '-n', i.apps, '--field-selector', 'involvedObject.name=emails', '-o', 'name']);
    expect(events).not.toBe('');
    // Deletion goes through the finalizer, which the operator removes by server-side apply.
    await kubectlOk(k, ['delete', '-n', i.apps, 'tq/emails', '--wait=true', '--timeout=60s']);
    expect(proc.output()).not.toMatch(/forbidden/i);
  }

  describe('rbac.scope=cluster (default)', () => {
    let i: Install;
    beforeAll(async () => {
      i = await install('wide', () => []);
    });

    it('allows every request the operator makes, in any namespace', async () => {
      expect(await unexpected(cp(), i, needs(i), true)).toEqual([]);
      expect(await canI(cp(), i, 'list', 'taskqueues.celeriac.dev', '*')).toBe(true);
    });

    it('denies what the operator never needs: Secrets beyond get, pods beyond patch, deletes, RBAC, cluster-scoped writes', async () => {
      expect(await unexpected(cp(), i, mustNot(i), false)).toEqual([]);
      expect(await canI(cp(), i, 'list', 'secrets', '*')).toBe(false);
    });

    it('is all the real operator needs: it reconciles examples/queue.yaml with no forbidden request', { timeout: 120_000 }, async () => {
      const { proc, url } = await runOperator(i);
      await reconcilesTheExample(i, proc);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^celeriac_operator_leader 1$/m);
      await proc.stop();
      expect(await proc.exited).toBe(0);
    });
  });

  describe('rbac.scope=namespace', () => {
    let i: Install;
    beforeAll(async () => {
      i = await install('team', (apps) => ['--set', 'rbac.scope=namespace', '--set', `watchNamespace=${apps}`]);
    });

    it('allows every request the operator makes, in the watched namespace', async () => {
      expect(await unexpected(cp(), i, needs(i), true)).toEqual([]);
    });

    it('denies the same requests in every other namespace, and cluster-wide', async () => {
      const elsewhere = { ...i, apps: i.other };
      const elsewhereNeeds = needs(elsewhere).filter(([, r]) => !r.startsWith('leases'));
      expect(await unexpected(cp(), i, [...elsewhereNeeds, ...mustNot(i)], false)).toEqual([]);
      for (const resource of ['taskqueues.celeriac.dev', 'deployments.apps', 'secrets', 'events']) expect(await canI(cp(), i, 'list', resource, '*'), resource).toBe(false);
      expect(await canI(cp(), i, 'get', 'secrets', '*')).toBe(false);
    });

    it('is all the real operator needs: it reconciles examples/queue.yaml with no forbidden request', { timeout: 120_000 }, async () => {
      const { proc } = await runOperator(i);
      await reconcilesTheExample(i, proc);
      await proc.stop();
      expect(await proc.exited).toBe(0);
    });
  });

  it('with rbac.queueSecrets=false, the operator cannot read any Secret', async () => {
    const i = await install('nosecrets', () => ['--set', 'rbac.queueSecrets=false']);
    expect(await canI(cp(), i, 'get', 'secrets', i.apps)).toBe(false);
    expect(await canI(cp(), i, 'patch', 'taskqueues.celeriac.dev', i.apps)).toBe(true);
  });
});

