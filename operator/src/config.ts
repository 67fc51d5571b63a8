import type { NatsSettings } from 'celeriac';
import { defaults } from './controller/defaults.ts';

/** The operator's settings, from flags and env (the Helm chart sets the env). */
export interface OperatorConfig {
  nats: NatsSettings;
  /** The NATS URL workers get when their queue names none (in-cluster DNS may differ from ours). */
  workerNatsUrl: string;
  /** Namespace to watch; empty: all namespaces (ClusterRole install). */
  watchNamespace: string;
  /** Lease timings default to client-go's (controller/defaults.ts); tests shorten them to fail over fast. */
  leaderElection: { enabled: boolean; namespace: string; leaseName: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  httpHost: string;
  httpPort: number;
  /** How often a queue's status (backlog, dead letters) and its JetStream objects are re-checked. */
  queueRefreshMs: number;
  /** Reconciles run at once per controller (never two for one object). */
  reconcileWorkers: number;
  /** The client-side limit on writes to the API server: sustained writes per second, and burst. */
  apiWriteQps: number;
  apiWriteBurst: number;
  logLevel: string;
}

export class OperatorConfigError extends Error {
  override readonly name = 'OperatorConfigError';
}

function int(env: Record<string, string | undefined>, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new OperatorConfigError(`${key} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

function positive(env: Record<string, string | undefined>, key: string, fallback: number): number {
  const n = int(env, key, fallback);
  if (n === 0) throw new OperatorConfigError(`${key} must be at least 1, got 0`);
  return n;
}

/** Flags (`--name=value`) override env (`NAME` upper-cased, dashes to underscores). */
export function readOperatorConfig(argv: string[], env: Record<string, string | undefined>): OperatorConfig {
  const merged: Record<string, string | undefined> = { ...env };
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new OperatorConfigError(`unknown argument ${a}: use --name=value`);
    merged[m[1]!.toUpperCase().replaceAll('-', '_')] = m[2];
  }
  const url = merged.NATS_URL ?? 'nats://nats:4222';
  const nats: NatsSettings = {
    servers: url.split(',').map((s) => s.trim()),
    name: 'celeriac-operator',
    ...(merged.NATS_CREDS_FILE ? { credsFile: merged.NATS_CREDS_FILE } : {}),
    ...(merged.NATS_USER ? { user: merged.NATS_USER } : {}),
    ...(merged.NATS_PASSWORD ? { password: merged.NATS_PASSWORD } : {}),
    ...(merged.NATS_TOKEN ? { token: merged.NATS_TOKEN } : {}),
    ...(merged.NATS_CA_FILE || merged.NATS_CERT_FILE || merged.NATS_KEY_FILE
      ? {
          tls: {
            ...(merged.NATS_CA_FILE ? { caFile: merged.NATS_CA_FILE } : {}),
            // A client certificate for NATS servers that require mutual TLS.
            ...(merged.NATS_CERT_FILE ? { certFile: merged.NATS_CERT_FILE } : {}),
            ...(merged.NATS_KEY_FILE ? { keyFile: merged.NATS_KEY_FILE } : {}),
          },
        }
      : {}),
  };
  const podNamespace = merged.POD_NAMESPACE ?? 'default';
  return {
    nats,
    workerNatsUrl: merged.WORKER_NATS_URL ?? url,
    watchNamespace: merged.WATCH_NAMESPACE ?? '',
    leaderElection: {
      enabled: (merged.LEADER_ELECTION ?? 'true') !== 'false',
      namespace: merged.LEADER_ELECTION_NAMESPACE ?? podNamespace,
      leaseName: merged.LEASE_NAME ?? 'celeriac-operator',
      leaseDurationMs: int(merged, 'LEASE_DURATION_MS', defaults.leaseDurationMs),
      renewDeadlineMs: int(merged, 'RENEW_DEADLINE_MS', defaults.renewDeadlineMs),
      retryPeriodMs: int(merged, 'RETRY_PERIOD_MS', defaults.retryPeriodMs),
    },
    httpHost: merged.HTTP_HOST ?? '0.0.0.0',
    httpPort: int(merged, 'HTTP_PORT', 8081),
    queueRefreshMs: int(merged, 'QUEUE_REFRESH_MS', 10_000),
    reconcileWorkers: positive(merged, 'RECONCILE_WORKERS', defaults.workers),
    apiWriteQps: positive(merged, 'API_WRITE_QPS', defaults.writeQps),
    apiWriteBurst: positive(merged, 'API_WRITE_BURST', defaults.writeBurst),
    logLevel: merged.LOG_LEVEL ?? 'info',
  };
}
