// A real Kubernetes control plane for tests and the demo: etcd + kube-apiserver (profile `api`,
// like controller-runtime's envtest), plus controller-manager, scheduler and kwok with fake nodes
// (profile `cluster`), on free loopback ports with a temp dir per run. See docs/testing-cluster.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'celeriac/testing';
import { access, accessAs, helm, type ClusterAccess, type ControlPlaneInfo, type ExecOptions, type Identity } from '../cluster/access.ts';
import {
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  paths,
  schedulerArgs,
  type Layout,
} from '../cluster/components.ts';
import { fakeNodes } from '../cluster/fake-nodes.ts';
import { httpsGet } from '../cluster/https-get.ts';
import { kubeconfig } from '../cluster/kubeconfig.ts';
import { ADMIN_USER, writePki } from '../cluster/pki.ts';
import { startProcess, type ServerProcess } from '../cluster/processes.ts';
import type { RunResult } from '../cluster/run.ts';
import { binDir, etcdBinary, helmBinary, helmPath, kubeBinary, kwokBinary, versions } from './binaries.ts';

export type { ClusterAccess, ControlPlaneInfo, ExecOptions, Identity, RunResult };
export type Profile = 'api' | 'cluster';

export interface StartOptions {
  /** `api`: etcd + kube-apiserver. `cluster`: also controller-manager, scheduler, kwok. Default `api`. */
  profile?: Profile;
  /** Fake nodes in the `cluster` profile. Default 1. */
  nodes?: number;
  /** Parent of the run's temp dir (default: the OS temp dir). */
  logDir?: string;
}

export interface ControlPlane extends ControlPlaneInfo, ClusterAccess {
  readonly token: string;
  /** Milliseconds each start phase took, for the docs and for noticing a slow machine. */
  readonly timings: Readonly<Record<string, number>>;
  helm(args: string[], opts?: ExecOptions): Promise<RunResult>;
  /** Access as another user or ServiceAccount, to test RBAC for real. */
  as(who: Identity): Promise<ClusterAccess>;
  /**
   * Stops every server and removes the temp dir; with `keepLogs` (or CELERIAC_KEEP_LOGS=1) keeps
   * it and prints where. A no-op for a control plane this process only connected to.
   */
  stop(opts?: { keepLogs?: boolean }): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const POLL_MS = 100;
const START_ATTEMPTS = 3; // a free port can be taken by someone else before our server binds it

/** A handle on a control plane started elsewhere (e.g. a vitest globalSetup); stop() does nothing. */
export function connectControlPlane(info: ControlPlaneInfo, stop: ControlPlane['stop'] = async () => {}, timings = {}): ControlPlane {
  const admin = access(info, info.kubeconfigPath, info.token);
  return {
    ...info,
    ...admin,
    token: info.token,
    timings,
    helm: (args, opts) => {
      helmBinary(); // built on first use only: most runs never need helm
      return helm(info, args, opts);
    },
    as: (who) => accessAs(info, who),
    stop,
  };
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const profile = opts.profile ?? 'api';
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (phase: string) => (timings[phase] = Math.round(performance.now() - t0));

  const bins = {
    etcd: etcdBinary(),
    apiserver: kubeBinary('kube-apiserver'),
    kubectl: kubeBinary('kubectl'),
    ...(profile === 'cluster'
      ? { cm: kubeBinary('kube-controller-manager'), scheduler: kubeBinary('kube-scheduler'), kwok: kwokBinary() }
      : {}),
  };
  mark('binaries');
  const dir = mkdtempSync(join(opts.logDir ?? tmpdir(), `celeriac-kube-${profile}-`));
  const p = paths(dir);
  mkdirSync(p.logs, { recursive: true });
  const { caPem, adminToken } = writePki(dir);
  mark('pki');

  const procs: ServerProcess[] = [];
  const stopAll = async () => {
    // etcd last: an API server that loses etcd first hangs in shutdown until it is killed.
    const all = procs.splice(0);
    await Promise.all(all.filter((proc) => proc.name !== 'etcd').map((proc) => proc.stop()));
    await Promise.all(all.filter((proc) => proc.name === 'etcd').map((proc) => proc.stop()));
  };
  let info: ControlPlaneInfo | undefined;
  try {
    for (let attempt = 1; !info; attempt++) {
      const layout: Layout = { dir, etcdPort: await freePort(), etcdPeerPort: await freePort(), apiPort: await freePort() };
      const server = `https://127.0.0.1:${layout.apiPort}`;
      // The API server retries etcd until it answers, so both start at once.
      procs.push(startProcess({ name: 'etcd', command: bins.etcd, args: etcdArgs(layout), logDir: p.logs }));
      procs.push(startProcess({ name: 'kube-apiserver', command: bins.apiserver, args: apiServerArgs(layout, profile), logDir: p.logs }));
      try {
        await waitFor('kube-apiserver /readyz', procs, async () => (await httpsGet(`${server}/readyz`, { ca: caPem, token: adminToken }))?.status === 200);
      } catch (e) {
        const portTaken = procs.some((proc) => /address already in use/.test(proc.logTail(50)));
        if (!portTaken || attempt >= START_ATTEMPTS) throw e;
        await stopAll();
        rmSync(p.etcdData, { recursive: true, force: true });
        continue;
      }
      writeFileSync(p.kubeconfig, kubeconfig({ server, caPem, userName: ADMIN_USER, credentials: { token: adminToken } }), { mode: 0o600 });
      info = {
        profile,
        dir,
        server,
        token: adminToken,
        kubeconfigPath: p.kubeconfig,
        caPath: p.caCert,
        binDir: binDir(),
        kubectlPath: bins.kubectl,
        helmPath: helmPath(),
        version: versions().KUBERNETES_VERSION ?? '',
      };
      mark('apiserver-ready');
    }
    if (profile === 'cluster' && bins.cm && bins.scheduler && bins.kwok) {
      procs.push(startProcess({ name: 'kube-controller-manager', command: bins.cm, args: controllerManagerArgs(dir), logDir: p.logs }));
      procs.push(startProcess({ name: 'kube-scheduler', command: bins.scheduler, args: schedulerArgs(dir), logDir: p.logs }));
      procs.push(startProcess({ name: 'kwok', command: bins.kwok.binary, args: kwokArgs(dir, bins.kwok.stages), logDir: p.logs }));
      await simulatedClusterReady(info, procs, opts.nodes ?? 1);
      mark('cluster-ready');
    }
  } catch (e) {
    await stopAll();
    throw new Error(`control plane (${profile}) did not start; logs kept in ${p.logs}\n${(e as Error).message}`, { cause: e });
  }

  const ready = info;
  let stopped = false;
  return connectControlPlane(
    ready,
    async ({ keepLogs = process.env.CELERIAC_KEEP_LOGS === '1' } = {}) => {
      if (stopped) return;
      stopped = true;
      await stopAll();
      if (keepLogs) console.error(`[celeriac] control plane logs kept in ${p.logs} (kubeconfig: ${p.kubeconfig})`);
      else rmSync(dir, { recursive: true, force: true });
    },
    timings,
  );
}

/** Fake nodes exist and are Ready, and the `default` ServiceAccount that pods need exists. */
async function simulatedClusterReady(info: ControlPlaneInfo, procs: ServerProcess[], nodes: number): Promise<void> {
  const admin = access(info, info.kubeconfigPath);
  const created = await admin.kubectl(['apply', '-f', '-'], { input: JSON.stringify(fakeNodes(nodes)) });
  if (created.code !== 0) throw new Error(`creating fake nodes failed: ${created.stderr}`);
  const ca = readFileSync(info.caPath, 'utf8');
  const get = (path: string) => httpsGet(info.server + path, { ca, token: info.token });
  await waitFor(`${nodes} fake node(s) Ready`, procs, async () => {
    const res = await get('/api/v1/nodes?labelSelector=type%3Dkwok');
    if (res?.status !== 200) return false;
    const list = JSON.parse(res.body) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= nodes;
  });
  await waitFor('ServiceAccount default/default', procs, async () => (await get('/api/v1/namespaces/default/serviceaccounts/default'))?.status === 200);
}

/** Polls `ready` until it holds; fails at once, with its log, if one of `procs` exits meanwhile. */
async function waitFor(what: string, procs: ServerProcess[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const dead = procs.find((proc) => !proc.running());
    if (dead) throw new Error(`${dead.name} exited (${await dead.exited}) while waiting for ${what}:\n${dead.logTail()}`);
    if (await ready()) return;
    if (Date.now() > deadline) {
      const tails = procs.map((proc) => `--- ${proc.name} (${proc.logPath})\n${proc.logTail(10)}`).join('\n');
      throw new Error(`timed out after ${READY_TIMEOUT_MS / 1000}s waiting for ${what}\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
