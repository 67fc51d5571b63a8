import type { TaskDefinition } from '../task.ts';
import { Batcher } from './batcher.ts';
import type { BatchTaskDefinition } from './define.ts';

/**
 * The batcher of a task defined with defineBatchTask, for one worker; undefined for other tasks.
 * Its size is capped at the worker's concurrency: every waiting item holds a slot, so a bigger
 * batch could never fill and would always wait the full `maxWaitMs`.
 */
export function batcherFor(def: TaskDefinition<unknown, unknown>, timeoutMs: number, concurrency: number): Batcher | undefined {
  const b = def as Partial<BatchTaskDefinition<unknown, unknown>>;
  if (typeof b.batchHandler !== 'function' || !b.options?.batch) return undefined;
  const { size, maxWaitMs } = b.options.batch;
  return new Batcher(def.name, b.batchHandler, { size: Math.min(size, concurrency), maxWaitMs, timeoutMs });
}
