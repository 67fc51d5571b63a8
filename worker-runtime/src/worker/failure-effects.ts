import { DEFAULTS } from '../defaults.ts';
import type { DeadReason, describeError } from '../errors.ts';
import { isValidTaskId, type ResultRecord } from '../protocol.ts';
import { DeadLetterTooLargeError, publishDeadLetter, sourceOfDelivery, type DeadLetterInfo, type DeadLetterSource } from './dead-letter.ts';
import type { TaskEnvelope } from './envelope.ts';
import { deadState, decideFailure } from './failure-decision.ts';
import type { RegisteredTask, RunDeps } from './run-deps.ts';
import { traceIdOf } from '../tracing/trace-headers.ts';

/**
 * A failed attempt: nak with the backoff delay while attempts remain, else dead-letter. Rejects
 * only when the `retrying` state could not be recorded (the caller naks for a quick redelivery).
 */
export async function retryOrDeadLetter(env: TaskEnvelope, err: unknown, reg: RegisteredTask, startedAt: number, deps: RunDeps): Promise<void> {
  const outcome = decideFailure(err, env.attempts, reg.retry);
  if (outcome.kind === 'dead') return deadLetter(env, outcome.reason, outcome.error, deps, startedAt);
  const now = Date.now();
  deps.log.warn({ task: env.task, id: env.id, traceId: traceIdOf(env.msg.headers), attempt: env.attempts, delayMs: outcome.delayMs, error: outcome.error.message }, 'task failed; retrying');
  if (deps.results) {
    await deps.results.write({ ...env.record(), state: 'retrying', startedAt, updatedAt: now, error: outcome.error, retryAt: now + outcome.delayMs });
  }
  // A bare nak() redelivers at once and ignores backoff: the delay must be given explicitly.
  env.msg.nak(outcome.delayMs);
  reg.metrics.retried.inc();
}

/**
 * Dead-letters a delivered message, records its final state, then terms it. Never rejects, and
 * never leaves the task looping: when no copy can be written (bounded tries), the task is still
 * termed and its record says it ended without one.
 */
export async function deadLetter(
  env: TaskEnvelope,
  reason: DeadReason,
  error: ReturnType<typeof describeError>,
  deps: RunDeps,
  startedAt?: number,
): Promise<void> {
  const { msg, task } = env;
  const copy = await recordDeath(sourceOfDelivery(msg), env.id, { ...env.record(), startedAt }, reason, error, deps);
  // A workflow step's failure is recorded before the term: if that fails, a redelivery tries again.
  const stepped = await deps.workflows?.onFailed(env, reason, error)?.then(
    () => true,
    (err: unknown) => (deps.log.error({ err, task, id: env.id }, 'could not record workflow step; task will be redelivered'), false),
  );
  if (stepped === false) return msg.nak(1000);
  msg.term(`${reason}: ${error.message}`.slice(0, 200));
  deps.metrics.deadLettered(task || 'unknown', reason);
  deps.log.warn({ task, id: env.id, traceId: traceIdOf(msg.headers), reason, error: error.message, attempts: env.attempts, deadLetter: copy }, 'task dead-lettered');
}

/** What became of the dead-letter copy, for the record and the log. */
type DeadLetterCopy = NonNullable<ResultRecord['deadLetter']>;

/**
 * The common end of a task that will not run again: copy it to the dead letters (when the queue
 * has them) and write its final record. The caller then removes the original (term or delete).
 */
export async function recordDeath(
  src: DeadLetterSource,
  id: string,
  base: Pick<ResultRecord, 'task' | 'attempts' | 'enqueuedAt' | 'startedAt'>,
  reason: DeadReason,
  error: ReturnType<typeof describeError>,
  deps: RunDeps,
): Promise<DeadLetterCopy | undefined> {
  const copy = deps.deadLetters ? await writeDeadLetter(src, { reason, error, attempts: base.attempts }, deps) : undefined;
  // Ids from foreign publishers may not be valid KV keys; such results are simply not recorded.
  if (deps.results && isValidTaskId(id)) {
    const now = Date.now();
    await deps.results
      .write({ ...base, id, state: deadState(reason), finishedAt: now, updatedAt: now, error: bounded(error), ...(copy ? { deadLetter: copy } : {}) })
      .catch((err: unknown) => deps.log.warn({ err, id }, 'could not record dead state'));
  }
  return copy;
}

/** A final record must be writable: a megabyte error message would fail it as it failed the dead letter. */
const MAX_RECORD_ERROR_CHARS = 4000;

const bounded = (e: ReturnType<typeof describeError>): ReturnType<typeof describeError> => ({
  message: e.message.slice(0, MAX_RECORD_ERROR_CHARS),
  type: e.type,
  ...(e.stack ? { stack: e.stack.slice(0, MAX_RECORD_ERROR_CHARS) } : {}),
});

/** Writes the dead letter, trying a few times (DEFAULTS.deadLetterWriteAttempts); never rejects. */
async function writeDeadLetter(src: DeadLetterSource, info: DeadLetterInfo, deps: RunDeps): Promise<DeadLetterCopy> {
  let delay = DEFAULTS.deadLetterRetryDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await publishDeadLetter(deps.js, deps.queue, src, info, deps.maxPayload());
      return written.truncated.length > 0 ? written : { seq: written.seq };
    } catch (err) {
      const final = attempt >= DEFAULTS.deadLetterWriteAttempts || err instanceof DeadLetterTooLargeError;
      if (final) {
        deps.log.error({ err, subject: src.subject, streamSeq: src.streamSeq, attempt }, 'could not write dead letter; task ends without one');
        return { error: `no dead letter written: ${(err as Error).message}` };
      }
      deps.log.warn({ err, subject: src.subject, streamSeq: src.streamSeq, attempt }, 'could not write dead letter; trying again');
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}
