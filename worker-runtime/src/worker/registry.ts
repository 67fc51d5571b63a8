import { DEFAULTS } from '../defaults.ts';
import { checkDefaultHardLimit, resolveHardLimit } from '../isolation/options.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from '../retry.ts';
import type { TaskDefinition } from '../task.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { RegisteredTask } from './run-deps.ts';
import { batcherFor } from '../batch/batcher-for.ts';

/**
 * The tasks one worker runs, with the worker's defaults resolved once. Shared by the Worker and
 * the eager client of `celeriac/testing`, so both resolve retry policies and time limits alike.
 */
export function registerTasks(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  defs: ReadonlyArray<TaskDefinition<any, any>>,
  opts: { defaultRetry?: RetryPolicy | undefined; defaultTimeoutMs?: number | undefined; defaultHardTimeLimitMs?: number | undefined; concurrency?: number | undefined },
  metrics: WorkerMetrics,
): Map<string, RegisteredTask> {
  const tasks = new Map<string, RegisteredTask>();
  const base = opts.defaultRetry ?? DEFAULT_RETRY_POLICY;
  checkDefaultHardLimit(opts.defaultHardTimeLimitMs, opts.defaultTimeoutMs ?? DEFAULTS.taskTimeoutMs);
  for (const def of defs) {
    if (tasks.has(def.name)) throw new Error(`task ${def.name} registered twice`);
    if (typeof (def as Partial<typeof def>).handler !== 'function') {
      throw new TypeError(`task ${def.name} is declared but has no handler: give the worker defineTask(declared, handler)`);
    }
    const timeoutMs = def.options.timeoutMs ?? opts.defaultTimeoutMs ?? DEFAULTS.taskTimeoutMs;
    tasks.set(def.name, {
      def,
      retry: resolveRetryPolicy(def.options.retry, base),
      timeoutMs,
      hardTimeLimitMs: resolveHardLimit(def.name, def.options, timeoutMs, opts.defaultHardTimeLimitMs),
      batcher: batcherFor(def, timeoutMs, opts.concurrency ?? DEFAULTS.concurrency),
      trackStarted: def.options.trackStarted ?? false,
      metrics: metrics.task(def.name),
    });
  }
  return tasks;
}
