import { CancelledError } from '../errors.ts';
import { isValidTaskId } from '../protocol.ts';
import type { TaskEnvelope } from '../worker/envelope.ts';
import type { RunDeps } from '../worker/run-deps.ts';

/**
 * Ends a cancelled task for good: records `cancelled`, then terms the message (a work queue
 * deletes it). Rejects when the record could not be written; the caller then naks, and the
 * redelivered task is dropped again at admission, so the record is written once the store is back.
 */
export async function settleCancelled(env: TaskEnvelope, err: CancelledError, deps: RunDeps, startedAt?: number): Promise<void> {
  if (deps.results && isValidTaskId(env.id)) {
    const now = Date.now();
    const error = { message: err.message, type: err.name };
    await deps.results.write({ ...env.record(), state: 'cancelled', ...(startedAt ? { startedAt } : {}), finishedAt: now, updatedAt: now, error });
  }
  env.msg.term('cancelled');
  deps.metrics.cancelled(env.task || 'unknown');
  deps.log.info({ task: env.task, id: env.id, started: startedAt !== undefined }, 'task cancelled');
}

/**
 * The admission check: a delivered task with a cancel is not run but settled as cancelled, and
 * true is returned (the caller stops there). One map size check when nothing is cancelled.
 */
export function dropIfCancelled(env: TaskEnvelope, deps: RunDeps, release: () => void): boolean {
  const cancels = deps.cancels;
  if (!cancels || cancels.size === 0) return false;
  const c = cancels.get(env.id);
  if (!c) return false;
  settleCancelled(env, new CancelledError(env.id, c.reason), deps).then(release, (err: unknown) => {
    deps.log.error({ err, id: env.id }, 'could not record cancel; task will be redelivered');
    env.msg.nak(1000);
    release();
  });
  return true;
}
