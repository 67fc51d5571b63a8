import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface NatsServerOptions {
  /** Path to a nats-server binary (2.12+; the tests pin 2.14). Default: $NATS_SERVER_BIN, else `nats-server` on PATH. */
  binary?: string;
  /** Extra lines for the server's config file (e.g. accounts, authorization). */
  config?: string;
  /** Reuse a store directory, e.g. to restart a server and keep its streams. */
  storeDir?: string;
  /** Fixed client port, e.g. to restart a server on the same address. */
  port?: number;
  /** The server's max_payload in bytes (NATS' default is 1 MiB), e.g. to test messages near it cheaply. */
  maxPayload?: number;
  /** Cluster settings for a multi-node test cluster. */
  cluster?: { name: string; serverName: string; port: number; routes: number[] };
}

/** A throwaway nats-server with JetStream, on loopback, with its own temp store dir. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly monitorUrl: string;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp dir unless `keepStore`. */
  stop(opts?: { keepStore?: boolean; signal?: NodeJS.Signals }): Promise<void>;
  /** Lines the server logged, for failure reports. */
  logs(): string;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts a real nats-server with JetStream enabled for tests: free loopback ports, a temp dir,
 * ready once its monitor endpoint reports JetStream healthy.
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-nats-'));
  const storeDir = opts.storeDir ?? join(dir, 'store');
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const lines = [
    `listen: "127.0.0.1:${port}"`,
    `http: "127.0.0.1:${monitorPort}"`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
  ];
  if (opts.maxPayload !== undefined) lines.push(`max_payload: ${opts.maxPayload}`);
  if (opts.cluster) {
    const c = opts.cluster;
    lines.push(`server_name: ${JSON.stringify(c.serverName)}`);
    lines.push(
      `cluster { name: ${JSON.stringify(c.name)}, listen: "127.0.0.1:${c.port}", routes: [${c.routes
        .map((p) => JSON.stringify(`nats://127.0.0.1:${p}`))
        .join(', ')}] }`,
    );
  }
  if (opts.config) lines.push(opts.config);
  const confFile = join(dir, 'nats.conf');
  await writeFile(confFile, lines.join('\n') + '\n');

  const output: string[] = [];
  const child: ChildProcess = spawn(binary, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null && !spawnError) {
    try {
      // A clustered server reports JetStream healthy only once a meta leader exists.
      const path = opts.cluster ? '/healthz' : '/healthz?js-enabled-only=true';
      const res = await fetch(monitorUrl + path);
      if (res.ok) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!ready) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    const why = spawnError ? `${spawnError.message} (set NATS_SERVER_BIN?)` : output.join('').slice(-2000);
    throw new Error(`nats-server did not become ready: ${why}`);
  }

  let stopped = false;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl,
    storeDir,
    logs: () => output.join(''),
    async stop({ keepStore = false, signal = 'SIGTERM' } = {}) {
      if (!stopped) {
        stopped = true;
        if (child.exitCode === null) {
          child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
      }
      if (!keepStore) await rm(dir, { recursive: true, force: true });
    },
  };
}
