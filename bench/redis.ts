import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'celeriac/testing';

/**
 * Persistence as BullMQ's production guide recommends and as close to JetStream file storage as
 * Redis gets: every write goes to the append-only file at once, fsynced once a second; no RDB
 * snapshots (a fork in the middle of a run would only add noise). noeviction: BullMQ requires it.
 */
export const REDIS_SETTINGS = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'];

export interface RedisServer {
  host: string;
  port: number;
  version: string;
  stop(): Promise<void>;
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's redis-server when missing; refreshes the package lists only if the first try fails. */
export function ensureRedisInstalled(log: (line: string) => void): void {
  if (has('redis-server')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'ignore', env });
  log('[bench] installing redis-server from Debian packages (apt-get install -y redis-server)');
  try {
    install();
  } catch {
    log('[bench] apt-get install failed; running apt-get update and retrying');
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
    install();
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.once('data', (b) => {
      s.destroy();
      resolve(b.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts a throwaway redis-server on a free loopback port with a temp dir, stopped and removed by `stop()`. */
export async function startRedis(log: (line: string) => void): Promise<RedisServer> {
  ensureRedisInstalled(log);
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? 'unknown';
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--logfile', '', ...REDIS_SETTINGS];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
  child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    version,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
