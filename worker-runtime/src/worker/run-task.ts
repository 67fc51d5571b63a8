import type { JsMsg } from '@nats-io/jetstream';
import { PayloadValidationError, ProtocolError, describeError, type DeadReason } from '../errors.ts';
import { decodeJson, taskNameFromSubject } from '../protocol.ts';
import { validatePayload } from '../schema.ts';
import { Attempt } from './attempt.ts';
import { dropIfCancelled } from '../cancel/settle.ts';
import { TaskEnvelope } from './envelope.ts';
import { expireIfPast } from './expiry.ts';
import { deadLetter } from './failure-effects.ts';
import { handleUnknownTask } from './handoff.ts';
import { waitsForKey } from '../key-concurrency/gate.ts';
import type { RegisteredTask, RunDeps } from './run-deps.ts';

export type { RegisteredTask, RunDeps } from './run-deps.ts';

/**
 * Runs one delivered task message to its end: ack on success, nak(delay) for a retry, copy to
 * the dead-letter stream then term, or, for a task this worker does not know, hand it back. Calls `release` once the message is settled (the slot is
 * free again). Never throws: whatever the message or the handler does, the worker keeps running.
 * A task with neither a schema nor a `started` record to write starts synchronously.
 */
export function runTask(msg: JsMsg, deps: RunDeps, release: () => void): void {
  let released = false;
  const releaseOnce = () => {
    if (released) return;
    released = true;
    release();
  };
  try {
    startTask(msg, deps, releaseOnce);
  } catch (err) {
    // Unreachable by design (every failure below has its own path), but a throw here would end
    // the consume loop with the slot taken: keep the message, free the slot, say so.
    deps.log.error({ err, subject: msg.subject }, 'could not start task message; leaving it queued');
    msg.nak(5000);
    releaseOnce();
  }
}

function startTask(msg: JsMsg, deps: RunDeps, release: () => void): void {
  const env = new TaskEnvelope(msg, taskNameFromSubject(deps.queue, msg.subject) ?? '');
  if (expireIfPast(env, deps, release)) return;
  const reg = deps.tasks.get(env.task);
  if (!reg) {
    // Another version of the app may know it (a rolling upgrade): hand it back or dead-letter it.
    handleUnknownTask(env, deps).then(release, release);
    return;
  }
  if (dropIfCancelled(env, deps, release)) return;
  let payload: unknown;
  try {
    payload = admit(env, reg, deps);
  } catch (err) {
    rejectMessage(env, err, deps).then(release, release);
    return;
  }
  if (waitsForKey(env, reg, payload, deps, release, (held) => proceed(env, reg, payload, deps, held))) return;
  proceed(env, reg, payload, deps, release);
}

function proceed(env: TaskEnvelope, reg: RegisteredTask, payload: unknown, deps: RunDeps, release: () => void): void {
  if (reg.def.options.schema || (reg.trackStarted && deps.results)) {
    void prepareThenRun(env, reg, payload, deps, release);
    return;
  }
  new Attempt(env, reg, deps, release).run(payload);
}

/** The payload, if the message is a task this worker can run; a ProtocolError says why not. */
function admit(env: TaskEnvelope, reg: RegisteredTask, deps: RunDeps): unknown {
  const { msg, deliveries } = env;
  if (msg.data.length > deps.maxPayloadBytes) {
    throw new ProtocolError('too-large', `payload is ${msg.data.length} bytes, the limit is ${deps.maxPayloadBytes}`);
  }
  const decoded = decodeJson(msg.data);
  if (!decoded.ok) throw new ProtocolError('malformed', decoded.reason);
  // Deliveries, not attempts: reading a hand-back's prior attempts would decode the headers of
  // every task on the hot path. A handed-back copy whose earlier copies already used every
  // attempt (their workers died) runs once more, then its failure counts the full number.
  if (deliveries > reg.retry.maxAttempts) {
    // The previous attempt never reported back (its worker died): out of attempts all the same.
    throw new ProtocolError('max-attempts', `attempt ${deliveries} exceeds maxAttempts ${reg.retry.maxAttempts}; an earlier attempt was lost`);
  }
  return decoded.value;
}

/** The slow start: validate the payload against the task's schema and record `started`, then run. */
async function prepareThenRun(env: TaskEnvelope, reg: RegisteredTask, payload: unknown, deps: RunDeps, release: () => void): Promise<void> {
  let value = payload;
  try {
    if (reg.def.options.schema) {
      const v = await validatePayload(reg.def.options.schema, payload);
      if (!v.ok) throw new PayloadValidationError(env.task, v.issues);
      value = v.value;
    }
  } catch (err) {
    await rejectMessage(env, err, deps);
    release();
    return;
  }
  const attempt = new Attempt(env, reg, deps, release);
  if (reg.trackStarted && deps.results) {
    try {
      await deps.results.write({ ...env.record(), state: 'started', startedAt: attempt.startedAt, updatedAt: attempt.startedAt });
    } catch (err) {
      attempt.unrecorded(err);
      return;
    }
  }
  // A cancel that arrived while the schema ran or `started` was written: no attempt was tracked yet.
  if (dropIfCancelled(env, deps, release)) return;
  attempt.run(value);
}

/** A message no handler may see goes straight to the dead letters, with the reason. */
function rejectMessage(env: TaskEnvelope, err: unknown, deps: RunDeps): Promise<void> {
  const reason: DeadReason = err instanceof ProtocolError ? err.reason : err instanceof PayloadValidationError ? 'invalid-payload' : 'permanent-error';
  return deadLetter(env, reason, describeError(err), deps);
}
