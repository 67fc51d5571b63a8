import type { NatsSettings } from '../connection.ts';
import { DEFAULTS } from '../defaults.ts';
import { checkDefaultHardLimit } from '../isolation/options.ts';
import { isValidQueueName } from '../protocol.ts';
import { resolveRetryPolicy, type RetryPolicy } from '../retry.ts';

/** Everything the worker process reads from its flags and environment (set by the operator). */
export interface WorkerProcessConfig {
  queue: string;
  taskModules: string[];
  nats: NatsSettings;
  concurrency: number;
  prefetch: number | undefined;
  drainTimeoutMs: number;
  taskTimeoutMs: number;
  hardTimeLimitMs: number | undefined;
  defaultRetry: RetryPolicy | undefined;
  results: boolean | undefined;
  unknownTaskGraceMs: number;
  httpHost: string;
  httpPort: number;
  name: string;
  logLevel: string;
}

/** A configuration error names the variable, so a misconfigured pod says exactly what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function int(env: Record<string, string | undefined>, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${key} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** `--tasks a.js --tasks b.js`, `--queue q`, or positional module paths; flags win over env. */
function parseArgs(argv: string[]): { queue?: string; modules: string[] } {
  const modules: string[] = [];
  let queue: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--tasks' || a === '-t') modules.push(argv[++i] ?? '');
    else if (a.startsWith('--tasks=')) modules.push(a.slice(8));
    else if (a === '--queue' || a === '-q') queue = argv[++i];
    else if (a.startsWith('--queue=')) queue = a.slice(8);
    else if (a.startsWith('-')) throw new ConfigError(`unknown flag ${a}`);
    else modules.push(a);
  }
  return { ...(queue ? { queue } : {}), modules };
}

export function readWorkerConfig(argv: string[], env: Record<string, string | undefined>): WorkerProcessConfig {
  const args = parseArgs(argv);
  const queue = args.queue ?? env.CELERIAC_QUEUE ?? '';
  if (!isValidQueueName(queue)) throw new ConfigError(`CELERIAC_QUEUE (or --queue) must be a queue name, got ${JSON.stringify(queue)}`);
  const taskModules = [...args.modules, ...(env.CELERIAC_TASK_MODULES ?? '').split(',').map((s) => s.trim())].filter(Boolean);
  if (taskModules.length === 0) throw new ConfigError('no task modules: pass paths as arguments, --tasks, or CELERIAC_TASK_MODULES');
  let defaultRetry: RetryPolicy | undefined;
  if (env.CELERIAC_DEFAULT_RETRY) {
    try {
      defaultRetry = resolveRetryPolicy(JSON.parse(env.CELERIAC_DEFAULT_RETRY) as Partial<RetryPolicy>);
    } catch (e) {
      throw new ConfigError(`CELERIAC_DEFAULT_RETRY: ${(e as Error).message}`);
    }
  }
  const results = env.CELERIAC_RESULTS === undefined || env.CELERIAC_RESULTS === 'auto' ? undefined : env.CELERIAC_RESULTS === 'true';
  const tls = env.NATS_CA_FILE || env.NATS_CERT_FILE || env.NATS_KEY_FILE
    ? {
        ...(env.NATS_CA_FILE ? { caFile: env.NATS_CA_FILE } : {}),
        ...(env.NATS_CERT_FILE ? { certFile: env.NATS_CERT_FILE } : {}),
        ...(env.NATS_KEY_FILE ? { keyFile: env.NATS_KEY_FILE } : {}),
      }
    : undefined;
  const taskTimeoutMs = int(env, 'CELERIAC_TASK_TIMEOUT_MS', DEFAULTS.taskTimeoutMs, 1);
  const hardTimeLimitMs = env.CELERIAC_HARD_TIME_LIMIT_MS ? int(env, 'CELERIAC_HARD_TIME_LIMIT_MS', 0, 1) : undefined;
  try {
    checkDefaultHardLimit(hardTimeLimitMs, taskTimeoutMs, { hard: 'CELERIAC_HARD_TIME_LIMIT_MS', soft: 'CELERIAC_TASK_TIMEOUT_MS' });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const name = env.CELERIAC_WORKER_NAME || env.HOSTNAME || `worker-${process.pid}`;
  const nats: NatsSettings = {
    servers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
    name: `celeriac-worker/${name}`,
    ...(env.NATS_CREDS_FILE ? { credsFile: env.NATS_CREDS_FILE } : {}),
    ...(env.NATS_USER ? { user: env.NATS_USER } : {}),
    ...(env.NATS_PASSWORD ? { password: env.NATS_PASSWORD } : {}),
    ...(env.NATS_TOKEN ? { token: env.NATS_TOKEN } : {}),
    ...(tls ? { tls } : {}),
  };
  return {
    queue,
    taskModules,
    nats,
    concurrency: int(env, 'CELERIAC_CONCURRENCY', DEFAULTS.concurrency, 1),
    prefetch: env.CELERIAC_PREFETCH ? int(env, 'CELERIAC_PREFETCH', 0, 1) : undefined,
    drainTimeoutMs: int(env, 'CELERIAC_DRAIN_TIMEOUT_MS', DEFAULTS.drainTimeoutMs, 0),
    taskTimeoutMs,
    hardTimeLimitMs,
    defaultRetry,
    results,
    unknownTaskGraceMs: int(env, 'CELERIAC_UNKNOWN_TASK_GRACE_MS', DEFAULTS.unknownTaskGraceMs, 0),
    httpHost: env.CELERIAC_HTTP_HOST ?? '0.0.0.0',
    httpPort: int(env, 'CELERIAC_HTTP_PORT', 8080, 0),
    name,
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
