import { KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, loadCa } from './certs.ts';
import { paths } from './components.ts';
import { kubeconfig } from './kubeconfig.ts';
import { run, type RunResult } from './run.ts';

/** Everything about a running control plane that can cross a process boundary (JSON). */
export interface ControlPlaneInfo {
  readonly profile: 'api' | 'cluster';
  /** The run's temp dir: kubeconfig, certificates, logs/. */
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Bearer token of the admin user (group system:masters). */
  readonly token: string;
  /** Admin kubeconfig (token auth, CA pinned). */
  readonly kubeconfigPath: string;
  /** CA that signed the serving certificate and signs client certificates. */
  readonly caPath: string;
  readonly binDir: string;
  readonly kubectlPath: string;
  readonly helmPath: string;
  /** Kubernetes version of the binaries, e.g. v1.36.3. */
  readonly version: string;
}

export interface ExecOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** One identity's way into the cluster. */
export interface ClusterAccess {
  readonly kubeconfigPath: string;
  /** Bearer token, for identities that authenticate with one (admin, ServiceAccounts). */
  readonly token?: string;
  /** Runs kubectl as this identity; resolves (never rejects) with its output and exit code. */
  kubectl(args: string[], opts?: ExecOptions): Promise<RunResult>;
  /** A @kubernetes/client-node KubeConfig for this identity. */
  kubeConfig(): KubeConfig;
}

/**
 * Who to act as. A user gets a client certificate signed by the test CA (its groups become O=
 * entries); a ServiceAccount gets a bound token from the TokenRequest API, as a pod would.
 */
export type Identity = { user: string; groups?: string[] } | { serviceAccount: string; namespace: string };

function toolEnv(info: ControlPlaneInfo, kubeconfigPath: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Keep kubectl's discovery cache and helm's state in the run's dir, not the user's home.
  const helm = join(info.dir, 'helm');
  return {
    ...process.env,
    KUBECONFIG: kubeconfigPath,
    KUBECACHEDIR: join(info.dir, 'kube-cache'),
    HELM_CACHE_HOME: join(helm, 'cache'),
    HELM_CONFIG_HOME: join(helm, 'config'),
    HELM_DATA_HOME: join(helm, 'data'),
    ...extra,
  };
}

export function access(info: ControlPlaneInfo, kubeconfigPath: string, token?: string): ClusterAccess {
  return {
    kubeconfigPath,
    token,
    kubectl: (args, opts = {}) => run(info.kubectlPath, args, { ...opts, env: toolEnv(info, kubeconfigPath, opts.env) }),
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
  };
}

export function helm(info: ControlPlaneInfo, args: string[], opts: ExecOptions = {}): Promise<RunResult> {
  return run(info.helmPath, args, { ...opts, env: toolEnv(info, info.kubeconfigPath, opts.env) });
}

const fileSafe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '_');

export async function accessAs(info: ControlPlaneInfo, who: Identity): Promise<ClusterAccess> {
  const dir = paths(info.dir).users;
  mkdirSync(dir, { recursive: true });
  const caPem = readFileSync(info.caPath, 'utf8');
  if ('user' in who) {
    const pair = issueCertificate(loadCa(caPem, readFileSync(paths(info.dir).caKey, 'utf8')), { commonName: who.user, organizations: who.groups, usage: 'client' });
    const file = join(dir, `user-${fileSafe(who.user)}.kubeconfig`);
    writeFileSync(file, kubeconfig({ server: info.server, caPem, userName: who.user, credentials: pair }), { mode: 0o600 });
    return access(info, file);
  }
  const admin = access(info, info.kubeconfigPath);
  const res = await admin.kubectl(['create', 'token', who.serviceAccount, '-n', who.namespace, '--duration=24h']);
  if (res.code !== 0) throw new Error(`cannot get a token for ServiceAccount ${who.namespace}/${who.serviceAccount}: ${res.stderr.trim()}`);
  const token = res.stdout.trim();
  const userName = `system:serviceaccount:${who.namespace}:${who.serviceAccount}`;
  const file = join(dir, `sa-${fileSafe(who.namespace)}-${fileSafe(who.serviceAccount)}.kubeconfig`);
  writeFileSync(file, kubeconfig({ server: info.server, caPem, userName, credentials: { token } }), { mode: 0o600 });
  return access(info, file, token);
}
