import { pino, type Logger } from 'pino';
import { connectNats, describeConnection } from '../connection.ts';
import { DEFAULTS } from '../defaults.ts';
import { startHealthServer } from '../worker/http.ts';
import { Worker } from '../worker/worker.ts';
import { ConfigError, readWorkerConfig } from './config.ts';
import { loadTasks } from './load-tasks.ts';
import { settingsFromSecretDir } from './secret-dir.ts';
import { ProcessStop } from './process-stop.ts';

/** Past the crash drain, the drain itself is presumed stuck (the process state is unknown): exit anyway. */
const CRASH_EXIT_GRACE_MS = 5_000;

/**
 * An uncaught exception leaves the process in an unknown state (Node's default is to crash; a
 * Celery worker process is replaced). Stop pulling, drain briefly, exit 1 so Kubernetes
 * restarts the pod; unfinished tasks are handed back and run on another worker. An unhandled
 * rejection is different: a task's stray promise, with nothing left half-done on the stack, so it
 * stays logged and not fatal (docs/reliability.md).
 */
function crashOnUncaughtException(log: Logger): void {
  process.on('uncaughtException', (err) => {
    if (stop.current) {
      log.error({ err }, 'uncaught exception while stopping');
    } else {
      log.fatal({ err, drainTimeoutMs: DEFAULTS.crashDrainTimeoutMs }, 'uncaught exception in task code; draining and exiting so the worker is replaced');
      setTimeout(() => {
        log.fatal('drain after uncaught exception did not finish; exiting');
        process.exit(1);
      }, DEFAULTS.crashDrainTimeoutMs + CRASH_EXIT_GRACE_MS);
    }
    stop.request({ why: 'uncaught exception', exitCode: 1, drainTimeoutMs: DEFAULTS.crashDrainTimeoutMs });
  });
}

/**
 * The worker process of the runtime image (`celeriac-worker`). Exit codes: 0 after a graceful
 * drain, 2 for a configuration error (fix the pod spec), 1 for anything else.
 */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const bootLog = pino({ name: 'celeriac-worker', level: env.LOG_LEVEL ?? 'info' });
  let config;
  try {
    config = readWorkerConfig(argv, env);
    if (env.NATS_SECRET_DIR) config.nats = settingsFromSecretDir(env.NATS_SECRET_DIR, config.nats);
  } catch (e) {
    bootLog.fatal({ error: (e as Error).message }, 'invalid configuration');
    return 2;
  }
  const log = pino({ name: 'celeriac-worker', level: config.logLevel, base: { queue: config.queue, worker: config.name } });
  // A task's stray promise must not take the whole worker (and its other tasks) down with it.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection in task code'));
  crashOnUncaughtException(log);

  let tasks;
  try {
    tasks = await loadTasks(config.taskModules);
  } catch (e) {
    log.fatal({ error: (e as Error).message }, e instanceof ConfigError ? 'invalid task modules' : 'task modules failed');
    return 2;
  }
  log.info({ nats: describeConnection(config.nats) }, 'connecting to nats');
  let nc;
  try {
    nc = await connectNats(config.nats);
  } catch (e) {
    // A wrong password or an unreachable server at start: say so and exit, so the pod restarts
    // with backoff (CrashLoopBackOff shows the reason). The error names no credential.
    log.fatal({ error: (e as Error).message, nats: describeConnection(config.nats) }, 'cannot connect to nats');
    return 1;
  }
  const worker = new Worker(nc, {
    queue: config.queue,
    tasks,
    concurrency: config.concurrency,
    ...(config.prefetch ? { prefetch: config.prefetch } : {}),
    ...(config.defaultRetry ? { defaultRetry: config.defaultRetry } : {}),
    defaultTimeoutMs: config.taskTimeoutMs,
    ...(config.hardTimeLimitMs !== undefined ? { defaultHardTimeLimitMs: config.hardTimeLimitMs } : {}),
    ...(config.results !== undefined ? { results: config.results } : {}),
    unknownTaskGraceMs: config.unknownTaskGraceMs,
    name: config.name,
    logger: log,
    processMetrics: true,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') log.warn({ status: s.type }, 'nats connection changed');
    }
  })();
  const http = config.httpPort > 0
    ? await startHealthServer({ host: config.httpHost, port: config.httpPort, ready: () => worker.ready, registry: worker.metrics.registry })
    : undefined;
  // The queue may not exist yet (the operator is creating it): start() waits for it, unready meanwhile.
  try {
    await worker.start({ signal: stop.signal });
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  const request = await stop.requested;
  log.info({ why: request.why }, 'stopping');
  await worker.close(request.drainTimeoutMs ?? config.drainTimeoutMs);
  http?.close();
  await nc.drain().catch(() => undefined);
  return stop.code;
}

// Listening from import on: a SIGTERM while the task modules load must still stop the worker.
const stop = new ProcessStop();
process.once('SIGTERM', () => stop.request({ why: 'SIGTERM', exitCode: 0 }));
process.once('SIGINT', () => stop.request({ why: 'SIGINT', exitCode: 0 }));
