import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from 'celeriac/testing';
import { OPERATOR_NODE_FLAGS, OPERATOR_PROCESS_ENV } from '../../operator/src/process-flags.ts';
import type { ControlPlane } from './kube.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const operatorBin = join(root, 'operator', 'bin', 'celeriac-operator.js');

/** Lease timings short enough to fail over in seconds (defaults: 15 s / 10 s / 2 s). */
export const FAST_LEASE = { LEASE_DURATION_MS: '4000', RENEW_DEADLINE_MS: '3000', RETRY_PERIOD_MS: '500' };

/** One `celeriac-operator` process, as one replica of the operator's Deployment. */
export interface OperatorProcess {
  readonly child: ChildProcess;
  /** Its leader-election identity, read from its first log line that carries one. */
  identity(): string | undefined;
  /** Parsed pino log lines so far. */
  logs(): Array<Record<string, unknown> & { msg?: string; time?: number }>;
  /** When (epoch ms, from its log) it last started leading, if ever. */
  startedLeadingAt(): number | undefined;
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startOperatorProcess(
  cp: ControlPlane,
  natsUrl: string,
  opts: { namespace: string; env?: Record<string, string> },
): Promise<OperatorProcess> {
  const port = await freePort();
  // Started as the image starts it (operator/Dockerfile), so tests and the bench measure what ships.
  const child = spawn(process.execPath, [...OPERATOR_NODE_FLAGS, operatorBin], {
    cwd: root,
    env: {
      ...process.env,
      ...OPERATOR_PROCESS_ENV,
      KUBECONFIG: cp.kubeconfigPath,
      NATS_URL: natsUrl,
      WATCH_NAMESPACE: opts.namespace,
      LEADER_ELECTION: 'true',
      LEADER_ELECTION_NAMESPACE: opts.namespace,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      QUEUE_REFRESH_MS: '1000',
      LOG_LEVEL: 'info',
      ...FAST_LEASE,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const collect = (b: Buffer) => {
    buffer += b.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      raw.push(line);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const logs = () => lines as Array<Record<string, unknown> & { msg?: string; time?: number }>;
  return {
    child,
    exited,
    logs,
    identity: () => logs().find((l) => typeof l.identity === 'string')?.identity as string | undefined,
    startedLeadingAt: () => logs().findLast((l) => l.msg === 'started leading')?.time,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
