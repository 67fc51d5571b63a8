import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { versions } from '../support/binaries.ts';
import type { ClusterAccess } from '../support/kube.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'fixtures');
const { KUBERNETES_VERSION } = versions();

/** kubectl that must succeed; returns stdout. */
async function ok(k: ClusterAccess, args: string[], input?: string): Promise<string> {
  const res = await k.kubectl(args, { input });
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0);
  return res.stdout;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('control plane, api profile (etcd + kube-apiserver)', () => {
  const cp = useControlPlane({ profile: 'api' });

  it('serves the pinned Kubernetes version to kubectl and on /version', async () => {
    const version = JSON.parse(await ok(cp(), ['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(version.clientVersion.gitVersion).toBe(KUBERNETES_VERSION);
    expect(version.serverVersion).toMatchObject({ gitVersion: KUBERNETES_VERSION, major: '1' });
  });

  it('establishes a CRD applied with kubectl and rejects an object that breaks its schema', async () => {
    const k = cp();
    await ok(k, ['apply', '-f', join(fixtures, 'widget-crd.yaml')]);
    await ok(k, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/widgets.harness.celeriac.dev']);
    const ns = `crd-${process.pid}`;
    await ok(k, ['create', 'namespace', ns]);
    const widget = (spec: object) =>
      JSON.stringify({ apiVersion: 'harness.celeriac.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec });

    const bad = await k.kubectl(['create', '-f', '-'], { input: widget({ size: 0, color: 'green' }) });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/);
    expect(bad.stderr).toMatch(/spec\.color: Unsupported value: "green"/);

    await ok(k, ['create', '-f', '-'], widget({ size: 3, color: 'red' }));
    expect(await ok(k, ['get', 'widget', 'w', '-n', ns, '-o', 'jsonpath={.spec.size}'])).toBe('3');
  });

  it('accepts the helm-rendered manifests of a trivial chart in a server-side dry run, and rejects broken ones', async () => {
    const k = cp();
    const ns = `helm-${process.pid}`;
    await ok(k, ['create', 'namespace', ns]);
    const render = async (...set: string[]) => {
      const res = await k.helm(['template', 'demo', join(fixtures, 'trivial-chart'), '--namespace', ns, ...set]);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout;
    };
    const applied = await ok(k, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], await render());
    expect(applied).toContain('deployment.apps/demo created (server dry run)');
    expect(applied).toContain('serviceaccount/demo created (server dry run)');
    // Dry run means nothing was stored.
    expect((await k.kubectl(['get', 'deployment', 'demo', '-n', ns])).code).not.toBe(0);

    const broken = await k.kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], { input: await render('--set', 'replicas=-1') });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/spec\.replicas: Invalid value: -1/);
  });

  it('authorizes other identities with RBAC only: a user and a ServiceAccount get exactly what they are granted', async () => {
    const k = cp();
    const ns = `rbac-${process.pid}`;
    await ok(k, ['create', 'namespace', ns]);
    const alice = await cp().as({ user: 'alice', groups: ['testers'] });
    expect((await alice.kubectl(['get', 'configmaps', '-n', ns])).stderr).toMatch(/forbidden: User "alice" cannot list/);
    await ok(k, ['create', 'role', 'cm-reader', '-n', ns, '--verb=get,list', '--resource=configmaps']);
    await ok(k, ['create', 'rolebinding', 'testers-read', '-n', ns, '--role=cm-reader', '--group=testers']);
    await ok(alice, ['get', 'configmaps', '-n', ns]);
    expect((await alice.kubectl(['create', 'configmap', 'x', '-n', ns])).stderr).toMatch(/forbidden/);

    await ok(k, ['create', 'serviceaccount', 'bot', '-n', ns]);
    await ok(k, ['create', 'rolebinding', 'bot-read', '-n', ns, '--role=cm-reader', `--serviceaccount=${ns}:bot`]);
    const bot = await cp().as({ serviceAccount: 'bot', namespace: ns });
    await ok(bot, ['get', 'configmaps', '-n', ns]);
    expect((await bot.kubectl(['get', 'secrets', '-n', ns])).stderr).toMatch(
      new RegExp(`forbidden: User "system:serviceaccount:${ns}:bot" cannot list`),
    );
    // The client-node KubeConfig carries the same identity.
    const whoami = await ok(bot, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(whoami).toBe(`system:serviceaccount:${ns}:bot`);
    expect(bot.kubeConfig().getCurrentUser()?.token).toBe(bot.token);
  });
});

describe('control plane, cluster profile (+ controller-manager, scheduler, kwok)', () => {
  const cp = useControlPlane({ profile: 'cluster', nodes: 2 });

  it('runs a Deployment to the requested number of Running pods on fake nodes and scales it down again', async () => {
    const k = cp();
    const ns = 'deploy';
    await ok(k, ['create', 'namespace', ns]);
    await ok(k, ['create', 'deployment', 'web', '-n', ns, '--image=registry.example/web:1', '--replicas=3']);
    const runningPods = async () => {
      const list = JSON.parse(await ok(k, ['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'json'])) as {
        items: { metadata: { deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase: string } }[];
      };
      return list.items;
    };
    const countIs = (n: number) => async () => {
      const pods = await runningPods();
      const running = pods.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
      return pods.length === n && running.length === n ? pods : undefined;
    };
    const up = await eventually('3 Running pods', countIs(3));
    for (const pod of up) expect(pod.spec.nodeName).toMatch(/^kwok-node-[01]$/);
    // The Deployment controller reports pods it has seen ready a moment after they are Running.
    const readyIs = (n: string) => async () => (await ok(k, ['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.status.readyReplicas}'])) === n || undefined;
    expect(await eventually('3 ready replicas', readyIs('3'))).toBe(true);

    await ok(k, ['scale', 'deployment', 'web', '-n', ns, '--replicas=1']);
    await eventually('1 Running pod', countIs(1));
    expect(await eventually('1 ready replica', readyIs('1'))).toBe(true);
  }, 120_000);
});
