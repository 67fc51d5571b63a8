import { HEADERS, isValidTaskId } from '../protocol.ts';
import { headerBlockMentions } from './header-peek.ts';
import type { TaskEnvelope } from './envelope.ts';
import type { RunDeps } from './run-deps.ts';

/** Redelivery delay when the `expired` record could not be written: the message waits, nothing is lost. */
const RECORD_RETRY_MS = 1_000;

/**
 * Takes a task out of the queue when its `Celeriac-Expires-At` has passed before it could start:
 * records `expired`, then terms the message (no dead letter: nothing is wrong with it, it is only
 * late). True when the message is handled here; `release` is then called once it is settled.
 *
 * The record is written before the term, and a failed write leaves the message for a later
 * delivery: termed first, a lost write would leave the task `scheduled` or pending forever.
 */
export function expireIfPast(env: TaskEnvelope, deps: RunDeps, release: () => void, now = Date.now()): boolean {
  // Most tasks have no expiry: look for the header's bytes before decoding every header.
  if (!headerBlockMentions(env.msg, HEADERS.expiresAt)) return false;
  const expiresAt = env.expiresAt;
  if (expiresAt === undefined || now < expiresAt) return false;
  settleExpired(env, expiresAt, now, deps).then(release, release);
  return true;
}

async function settleExpired(env: TaskEnvelope, expiresAt: number, now: number, deps: RunDeps): Promise<void> {
  const { msg, task, id } = env;
  const reason = `expired: not started by ${new Date(expiresAt).toISOString()}`;
  // Ids from foreign publishers may not be valid KV keys; such results are simply not recorded.
  if (deps.results && isValidTaskId(id)) {
    try {
      await deps.results.write({
        id,
        task,
        state: 'expired',
        attempts: 0,
        enqueuedAt: env.enqueuedAt,
        expiresAt,
        finishedAt: now,
        updatedAt: now,
        error: { message: reason, type: 'TaskExpired' },
      });
    } catch (err) {
      deps.log.warn({ err, task, id }, 'could not record expired task; redelivering later');
      msg.nak(RECORD_RETRY_MS);
      return;
    }
  }
  msg.term(reason);
  deps.log.info({ task, id, expiresAt, lateMs: now - expiresAt }, 'task expired before it started');
}
