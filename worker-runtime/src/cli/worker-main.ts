import { pino } from 'pino';
import { connectNats, describeConnection } from '../connection.ts';
import { startHealthServer } from '../worker/http.ts';
import { Worker } from '../worker/worker.ts';
import { ConfigError, readWorkerConfig } from './config.ts';
import { loadTasks } from './load-tasks.ts';
import { settingsFromSecretDir } from './secret-dir.ts';

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
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception in task code'));

  let tasks;
  try {
    tasks = await loadTasks(config.taskModules);
  } catch (e) {
    log.fatal({ error: (e as Error).message }, e instanceof ConfigError ? 'invalid task modules' : 'task modules failed');
    return 2;
  }
  log.info({ nats: describeConnection(config.nats) }, 'connecting to nats');
  const nc = await connectNats(config.nats);
  const worker = new Worker(nc, {
    queue: config.queue,
    tasks,
    concurrency: config.concurrency,
    ...(config.prefetch ? { prefetch: config.prefetch } : {}),
    ...(config.defaultRetry ? { defaultRetry: config.defaultRetry } : {}),
    defaultTimeoutMs: config.taskTimeoutMs,
    ...(config.results !== undefined ? { results: config.results } : {}),
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
    await worker.start({ signal: stopping.signal });
  } catch (e) {
    if (!stopping.signal.aborted) throw e;
  }
  if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  log.info({ signal: stopping.signal.reason as string }, 'stopping');
  await worker.close(config.drainTimeoutMs);
  http?.close();
  await nc.drain().catch(() => undefined);
  return 0;
}

/** Aborted by SIGTERM or SIGINT; installed when the module loads so a signal during start-up counts. */
const stopping = new AbortController();
process.once('SIGTERM', () => stopping.abort('SIGTERM'));
process.once('SIGINT', () => stopping.abort('SIGINT'));
