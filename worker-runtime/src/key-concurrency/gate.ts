import type { JsMsg } from '@nats-io/jetstream';
import { dropIfCancelled } from '../cancel/settle.ts';
import { DEFAULTS } from '../defaults.ts';
import { describeError } from '../errors.ts';
import { HEADERS } from '../protocol.ts';
import type { TaskEnvelope } from '../worker/envelope.ts';
import { deadLetter } from '../worker/failure-effects.ts';
import type { RegisteredTask, RunDeps } from '../worker/run-deps.ts';
import { handBack } from './hand-back.ts';
import { concurrencyKeyOf, slotPrefix } from './key.ts';
import type { HeldSlot, KeySlots } from './slots.ts';

/** A waiting task tries its key's slots at least this often, should the watch miss a free. */
const RETRY_MS = 500;

/**
 * The per-key concurrency gate, between admission and the run. False when the task has no
 * limit (or the queue no slot bucket): the caller runs it now. True when the gate took it: it
 * calls `run` once it holds a slot of the task's key, with a release that frees the slot too,
 * or hands the task back (hand-back.ts) and calls `release`. A task of a full key waits in its
 * worker slot up to `keyWaitMs`, woken when a slot of its key is freed; at most `maxWaiting` of
 * a worker's tasks wait at once, so a full key never holds most of a worker's slots: the others
 * go straight back (with a delay). Waiting costs no attempt and no delivery.
 */
export function waitsForKey(env: TaskEnvelope, reg: RegisteredTask, payload: unknown, deps: RunDeps, release: () => void, run: (release: () => void) => void): boolean {
  const slots = deps.keySlots;
  const limit = reg.def.options.concurrency;
  if (!slots || !limit) return false;
  let key: string | undefined;
  try {
    key = concurrencyKeyOf(limit, env.msg.headers?.get(HEADERS.concurrencyKey) || undefined, payload);
  } catch (err) {
    // The key function cannot read this payload: it would fail on every delivery.
    deadLetter(env, 'invalid-payload', describeError(err), deps).then(release, release);
    return true;
  }
  if (key === undefined) return false;
  const prefix = slotPrefix(env.task, key);
  take(slots, prefix, limit.limit, env, deps).then(
    (slot) => {
      if (!slot) {
        slots.metrics?.handedBack(env.task);
        return handBack(env, deps, slots.schedulable).then(release);
      }
      let freed = false;
      const releaseBoth = () => {
        if (!freed) slots.free(slot);
        freed = true;
        release();
      };
      try {
        // A cancel that arrived while the task waited: no attempt was tracked yet.
        if (!dropIfCancelled(env, deps, releaseBoth)) run(releaseBoth);
      } catch (err) {
        // Unreachable by design, as in runTask: keep the message, free both slots, say so.
        deps.log.error({ err, task: env.task }, 'could not start task message; leaving it queued');
        env.msg.nak(DEFAULTS.keyHandbackDelayMs);
        releaseBoth();
      }
    },
    (err: unknown) => {
      // Unreachable by design (take never rejects); keep the message all the same.
      deps.log.error({ err, task: env.task }, 'concurrency gate failed; task will be redelivered');
      env.msg.nak(DEFAULTS.keyHandbackDelayMs);
      release();
    },
  );
  return true;
}

/** A slot of the key, taken now or within `keyWaitMs`; undefined: hand the task back. */
async function take(slots: KeySlots, prefix: string, limit: number, env: TaskEnvelope, deps: RunDeps): Promise<HeldSlot | undefined> {
  // Opened before the first try, so a slot freed during it is not missed.
  const wait = slots.waitFor(prefix);
  try {
    const now = await tryTake(slots, prefix, limit, env, deps);
    if (now) return now;
    // Without schedules a hand-back cannot wait, so the wait happens here, past the cap.
    if (slots.waiting >= slots.maxWaiting && slots.schedulable) return undefined;
    slots.waiting++;
    const stopKeepAlive = keepAlive(env.msg, deps.ackWaitMs);
    try {
      const deadline = Date.now() + DEFAULTS.keyWaitMs;
      for (let left = DEFAULTS.keyWaitMs; left > 0 && !deps.shutdown.aborted; left = deadline - Date.now()) {
        await wait.next(Math.min(left, RETRY_MS));
        if (deps.shutdown.aborted) break;
        const slot = await tryTake(slots, prefix, limit, env, deps);
        if (slot) return slot;
      }
      return undefined;
    } finally {
      slots.waiting--;
      stopKeepAlive();
    }
  } finally {
    wait.close();
  }
}

/** A free slot, or undefined when all are taken or the bucket cannot be reached (the task then waits: running it could break the limit). */
async function tryTake(slots: KeySlots, prefix: string, limit: number, env: TaskEnvelope, deps: RunDeps): Promise<HeldSlot | undefined> {
  try {
    return await slots.tryAcquire(prefix, limit, env.id);
  } catch (err) {
    deps.log.warn({ err, task: env.task }, 'could not reach the concurrency slots; the task waits');
    return undefined;
  }
}

/** Keeps a waiting message ours: `working()` three times per ack wait. */
function keepAlive(msg: JsMsg, ackWaitMs: number): () => void {
  msg.working();
  const t = setInterval(() => msg.working(), Math.max(100, Math.floor(ackWaitMs / 3)));
  return () => clearInterval(t);
}
