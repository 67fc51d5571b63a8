import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
