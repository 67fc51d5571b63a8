import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildScript = join(root, 'test', 'cluster', 'build.sh');

/** The pinned versions from test/cluster/versions.env, the one place they are set. */
export function versions(): Record<string, string> {
  const text = readFileSync(join(root, 'test', 'cluster', 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

export function binDir(): string {
  return process.env.CELERIAC_BIN ?? join(homedir(), '.cache', 'celeriac', 'bin');
}

/** Path of a cached binary, building it (once per machine) when it is missing. */
export function binary(target: 'nats-server' | 'etcd' | 'kube' | 'kwok' | 'helm', file: string): string {
  const path = join(binDir(), file);
  if (!existsSync(path)) execFileSync('bash', [buildScript, target], { stdio: 'inherit' });
  return path;
}

export function natsServerBinary(): string {
  return binary('nats-server', `nats-server-${versions().NATS_SERVER_VERSION}`);
}

export function etcdBinary(): string {
  return binary('etcd', `etcd-${versions().ETCD_VERSION}`);
}

export type KubeBinaryName = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl';

export function kubeBinary(name: KubeBinaryName): string {
  return binary('kube', `${name}-${versions().KUBERNETES_VERSION}`);
}

/** The kwok binary and the Stage files (from kwok's own module) that make it act like kubelets. */
export function kwokBinary(): { binary: string; stages: string[] } {
  const v = versions().KWOK_VERSION;
  const stagesDir = binary('kwok', `kwok-stages-${v}`);
  const stages = readdirSync(stagesDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(stagesDir, f));
  return { binary: binary('kwok', `kwok-${v}`), stages };
}

/** Where the helm binary is (or will be once built), without building it. */
export function helmPath(): string {
  return join(binDir(), `helm-${versions().HELM_VERSION}`);
}

export function helmBinary(): string {
  return binary('helm', `helm-${versions().HELM_VERSION}`);
}
