import { afterAll, beforeAll } from 'vitest';
import { pino } from 'pino';
import { readOperatorConfig } from '../../operator/src/config.ts';
import { startOperator, type RunningOperator } from '../../operator/src/operator.ts';
import type { ClusterAccess } from './kube.ts';

/** Starts the operator in this process against a test control plane and nats-server. */
export async function startTestOperator(
  cluster: ClusterAccess,
  natsUrl: string,
  opts: { namespace?: string; leaderElection?: boolean; identity?: string; env?: Record<string, string> } = {},
): Promise<RunningOperator> {
  const config = readOperatorConfig([], {
    NATS_URL: natsUrl,
    WATCH_NAMESPACE: opts.namespace ?? '',
    LEADER_ELECTION: String(opts.leaderElection ?? false),
    LEADER_ELECTION_NAMESPACE: opts.namespace ?? 'default',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    QUEUE_REFRESH_MS: '1000',
    ...opts.env,
  });
  const log = pino({ level: process.env.CELERIAC_TEST_LOG ?? 'silent' });
  return startOperator(config, cluster.kubeConfig(), log, opts.identity ? { identity: opts.identity } : {});
}

let n = 0;
/** A fresh namespace per test, so tests sharing one API server never see each other's objects. */
export async function freshNamespace(cluster: ClusterAccess, prefix = 't'): Promise<string> {
  const ns = `${prefix}-${process.pid}-${++n}`;
  const r = await cluster.kubectl(['create', 'namespace', ns]);
  if (r.code !== 0) throw new Error(r.stderr);
  return ns;
}

/** kubectl that throws with its stderr on failure. */
export async function kubectlOk(cluster: ClusterAccess, args: string[], input?: string): Promise<string> {
  const r = await cluster.kubectl(args, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export async function getJson<T = Record<string, unknown>>(cluster: ClusterAccess, args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(cluster, ['get', ...args, '-o', 'json'])) as T;
}

/** For a describe block that runs operators: the CRDs applied (server-side) and Established first. */
export function useCrds(cluster: () => ClusterAccess): void {
  beforeAll(async () => {
    await kubectlOk(cluster(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cluster(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
  });
}

/**
 * For a describe block that runs in-process operators: `start` one (stopped after the block, with
 * every other still running), `stop` one early (e.g. to fail over). One list for every test file.
 */
export function useOperators(cluster: () => ClusterAccess): {
  start(natsUrl: string, opts?: Parameters<typeof startTestOperator>[2]): Promise<RunningOperator>;
  stop(op: RunningOperator): Promise<void>;
} {
  const running = new Set<RunningOperator>();
  afterAll(async () => {
    await Promise.all([...running].map((o) => o.stop()));
    running.clear();
  });
  return {
    async start(natsUrl, opts) {
      const op = await startTestOperator(cluster(), natsUrl, opts);
      running.add(op);
      return op;
    },
    async stop(op) {
      running.delete(op);
      await op.stop();
    },
  };
}
