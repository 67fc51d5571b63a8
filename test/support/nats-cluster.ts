import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'celeriac/testing';
import { startNats, type NatsServer } from './nats.ts';

/** A 3-node (or n-node) JetStream cluster on loopback, for R3 streams and node-loss tests. */
export interface NatsCluster {
  readonly name: string;
  /** Every node's client URL, for clients that should fail over (`connect({ servers: urls })`). */
  readonly urls: string[];
  /** The running node with this server name, or undefined while it is down. */
  node(serverName: string): NatsServer | undefined;
  readonly serverNames: string[];
  /** Kills a node (SIGKILL by default), keeping its store so it can come back. */
  kill(serverName: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a killed node again with its ports and store: it rejoins and catches up. */
  restart(serverName: string): Promise<NatsServer>;
  stop(): Promise<void>;
}

interface Slot {
  serverName: string;
  port: number;
  clusterPort: number;
  storeDir: string;
  server: NatsServer | undefined;
}

const START_ATTEMPTS = 3; // a free port can be taken by someone else before our server binds it

/**
 * Starts every node at once: a clustered server is healthy only once a JetStream meta leader is
 * elected, which needs a quorum, so waiting for the first node alone would never end.
 */
export async function startNatsCluster(opts: { nodes?: number; name?: string } = {}): Promise<NatsCluster> {
  const count = opts.nodes ?? 3;
  const name = opts.name ?? `c${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-nats-cluster-'));
  const boot = (s: Slot, slots: Slot[]) =>
    startNats({
      port: s.port,
      storeDir: s.storeDir,
      cluster: { name, serverName: s.serverName, port: s.clusterPort, routes: slots.filter((o) => o !== s).map((o) => o.clusterPort) },
    }).then((server) => (s.server = server));
  let slots: Slot[] = [];
  for (let attempt = 1; ; attempt++) {
    slots = [];
    for (let i = 0; i < count; i++) {
      slots.push({ serverName: `n${i + 1}`, port: await freePort(), clusterPort: await freePort(), storeDir: join(dir, `a${attempt}`, `n${i + 1}`), server: undefined });
    }
    const all = slots;
    const started = await Promise.allSettled(all.map((s) => boot(s, all)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) break;
    await Promise.all(all.map((s) => s.server?.stop()));
    if (attempt >= START_ATTEMPTS || !/address already in use/.test(String(failed.reason))) {
      await rm(dir, { recursive: true, force: true });
      throw failed.reason;
    }
  }
  const slot = (serverName: string) => {
    const s = slots.find((x) => x.serverName === serverName);
    if (!s) throw new Error(`no node ${serverName} in cluster ${name}`);
    return s;
  };
  return {
    name,
    urls: slots.map((s) => `nats://127.0.0.1:${s.port}`),
    serverNames: slots.map((s) => s.serverName),
    node: (serverName) => slot(serverName).server,
    async kill(serverName, signal = 'SIGKILL') {
      const s = slot(serverName);
      await s.server?.stop({ keepStore: true, signal });
      s.server = undefined;
    },
    async restart(serverName) {
      const s = slot(serverName);
      if (s.server) throw new Error(`node ${serverName} is running`);
      return boot(s, slots);
    },
    async stop() {
      await Promise.all(slots.map((s) => s.server?.stop({ keepStore: true })));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
