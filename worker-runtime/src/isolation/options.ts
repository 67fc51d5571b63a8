/** The options of a task (task.ts's TaskOptions) that say where and how long it runs. */
export interface TimeLimitOptions {
  timeoutMs?: number;
  hardTimeLimitMs?: number;
  isolation?: 'thread' | 'process';
  module?: string;
  memoryLimitMb?: number;
}

/** Checks a task's time-limit and isolation options when it is defined, so a typo fails as its module loads. */
export function checkIsolationOptions(name: string, o: TimeLimitOptions): void {
  if (o.hardTimeLimitMs !== undefined) {
    if (!(o.hardTimeLimitMs > 0)) throw new RangeError(`task ${name}: hardTimeLimitMs must be > 0`);
    if (o.timeoutMs !== undefined && !(o.hardTimeLimitMs > o.timeoutMs)) {
      throw new RangeError(`task ${name}: hardTimeLimitMs (${o.hardTimeLimitMs}) must exceed timeoutMs (${o.timeoutMs}), the soft limit`);
    }
  }
  if (o.isolation !== undefined && o.isolation !== 'thread' && o.isolation !== 'process') {
    throw new RangeError(`task ${name}: isolation must be 'thread' or 'process', got ${JSON.stringify(o.isolation)}`);
  }
  if (o.isolation && !o.module) {
    throw new RangeError(`task ${name}: isolation needs module: import.meta.url (the module defining the task, which its ${o.isolation} imports)`);
  }
  if (o.module !== undefined && !URL.canParse(o.module)) throw new RangeError(`task ${name}: module must be a URL (import.meta.url), got ${o.module}`);
  if (o.memoryLimitMb !== undefined) {
    if (!o.isolation) throw new RangeError(`task ${name}: memoryLimitMb needs isolation ('thread' or 'process'): an in-process task shares the worker's heap`);
    if (!Number.isInteger(o.memoryLimitMb) || o.memoryLimitMb < 16) throw new RangeError(`task ${name}: memoryLimitMb must be an integer >= 16`);
  }
}

/**
 * Checks a worker's default hard limit (`defaultHardTimeLimitMs`, env CELERIAC_HARD_TIME_LIMIT_MS)
 * against its default soft limit, so a wrong pair fails when the worker starts. `names` say how the
 * caller spells the two settings, for the error.
 */
export function checkDefaultHardLimit(hardMs: number | undefined, softMs: number, names = { hard: 'defaultHardTimeLimitMs', soft: 'defaultTimeoutMs' }): void {
  if (hardMs === undefined) return;
  if (!Number.isFinite(hardMs) || !(hardMs > 0)) throw new RangeError(`${names.hard} must be a number of ms > 0, got ${hardMs}`);
  if (!(hardMs > softMs)) throw new RangeError(`${names.hard} (${hardMs}) must exceed ${names.soft} (${softMs}), the soft limit of tasks that set no timeoutMs`);
}

/**
 * The hard limit one attempt of a task runs under, given its resolved soft limit: its own; else
 * the worker's default, where that is above the task's soft limit (a task whose own timeoutMs is
 * longer keeps it as both limits, as without a default); else none (the soft limit then ends the
 * attempt, as it always has). Rejects a task's hard limit at or under a soft limit that came from
 * the worker's default.
 */
export function resolveHardLimit(name: string, o: TimeLimitOptions, softMs: number, defaultHardMs?: number): number | undefined {
  if (o.hardTimeLimitMs === undefined) return defaultHardMs !== undefined && defaultHardMs > softMs ? defaultHardMs : undefined;
  if (!(o.hardTimeLimitMs > softMs)) {
    throw new RangeError(`task ${name}: hardTimeLimitMs (${o.hardTimeLimitMs}) must exceed its soft limit (${softMs} ms, the worker's default timeout): set timeoutMs`);
  }
  return o.hardTimeLimitMs;
}
