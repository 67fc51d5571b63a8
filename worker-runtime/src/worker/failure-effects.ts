import type { DeadReason, describeError } from '../errors.ts';
import { isValidTaskId } from '../protocol.ts';
import { publishDeadLetter } from './dead-letter.ts';
import type { TaskEnvelope } from './envelope.ts';
import { deadState, decideFailure } from './failure-decision.ts';
import type { RegisteredTask, RunDeps } from './run-deps.ts';

/**
 * A failed attempt: nak with the backoff delay while attempts remain, else dead-letter. Rejects
 * only when the `retrying` state could not be recorded (the caller naks for a quick redelivery).
 */
export async function retryOrDeadLetter(env: TaskEnvelope, err: unknown, reg: RegisteredTask, startedAt: number, deps: RunDeps): Promise<void> {
  const outcome = decideFailure(err, env.attempts, reg.retry);
  if (outcome.kind === 'dead') return deadLetter(env, outcome.reason, outcome.error, deps, startedAt);
  const now = Date.now();
  deps.log.warn({ task: env.task, id: env.id, attempt: env.attempts, delayMs: outcome.delayMs, error: outcome.error.message }, 'task failed; retrying');
  if (deps.results) {
    await deps.results.write({ ...env.record(), state: 'retrying', startedAt, updatedAt: now, error: outcome.error, retryAt: now + outcome.delayMs });
  }
  // A bare nak() redelivers at once and ignores backoff: the delay must be given explicitly.
  env.msg.nak(outcome.delayMs);
  reg.metrics.retried.inc();
}

/** Dead-letters a message, records its final state, then terms it. If the copy fails, the task stays queued. Never rejects. */
export async function deadLetter(
  env: TaskEnvelope,
  reason: DeadReason,
  error: ReturnType<typeof describeError>,
  deps: RunDeps,
  startedAt?: number,
): Promise<void> {
  const { msg, task } = env;
  try {
    if (deps.deadLetters) await publishDeadLetter(deps.js, deps.queue, msg, { reason, error, attempts: env.attempts });
    // Ids from foreign publishers may not be valid KV keys; such results are simply not recorded.
    if (deps.results && isValidTaskId(env.id)) {
      const now = Date.now();
      await deps.results
        .write({ ...env.record(), state: deadState(reason), startedAt, finishedAt: now, updatedAt: now, error })
        .catch((err: unknown) => deps.log.warn({ err, id: env.id }, 'could not record dead state'));
    }
    msg.term(`${reason}: ${error.message}`.slice(0, 200));
    deps.metrics.deadLettered(task || 'unknown', reason);
    deps.log.warn({ task, id: env.id, reason, error: error.message, attempts: env.attempts }, 'task dead-lettered');
  } catch (err) {
    deps.log.error({ err, task, id: env.id }, 'could not dead-letter task; leaving it queued');
    msg.nak(5000);
  }
}
