import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function packageVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'worker-runtime', 'bench'], { cwd: root }).toString().trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export interface Environment {
  date: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  commit: string;
  versions: Record<string, string>;
}

/** What a reader needs to compare two bench results: the machine, its load, and every version. */
export function describeEnvironment(servers: { natsServer: string; redisServer?: string }): Environment {
  const versions: Record<string, string> = { node: process.versions.node, 'nats-server': servers.natsServer };
  if (servers.redisServer) versions['redis-server'] = servers.redisServer;
  for (const pkg of ['celeriac', '@nats-io/jetstream', '@nats-io/transport-node', 'bullmq', 'ioredis']) {
    const v = packageVersion(pkg);
    if (v) versions[pkg] = v;
  }
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()} ${arch()}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: gitCommit(),
    versions,
  };
}
