import type { RegisteredTask } from '../worker/run-deps.ts';
import { RateGate, type RateGateOptions } from './gate.ts';
import { parseRateLimit, type RateLimit } from './limit.ts';
import { RateLimitWatch } from './watch.ts';

export { RateGate } from './gate.ts';

/**
 * The worker's rate-limit gate: the stored limits (read before the first pull) and the tasks' own
 * `rateLimit` options. Undefined when the queue has no limits bucket (set up before rate limits,
 * or on a nats-server older than 2.12, which has no counters): tasks then run unlimited, and a
 * task that declares a limit says so in a warning.
 */
export async function openRateGate(o: Omit<RateGateOptions, 'watch' | 'taskLimits'> & { tasks: ReadonlyMap<string, RegisteredTask> }): Promise<RateGate | undefined> {
  const taskLimits = new Map<string, RateLimit>();
  for (const [name, reg] of o.tasks) {
    const spec = reg.def.options.rateLimit;
    if (spec !== undefined) taskLimits.set(name, parseRateLimit(spec));
  }
  const watch = await RateLimitWatch.open(o.nc, o.queue, o.log);
  if (!watch) {
    if (taskLimits.size > 0) o.log.warn({ queue: o.queue, tasks: [...taskLimits.keys()] }, 'tasks declare rate limits the queue cannot enforce; they run unlimited');
    return undefined;
  }
  const { tasks: _tasks, ...gate } = o;
  return new RateGate({ ...gate, watch, taskLimits });
}
