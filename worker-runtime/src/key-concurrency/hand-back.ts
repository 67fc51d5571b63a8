import type { MsgHdrs } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { HEADERS, scheduleSubject } from '../protocol.ts';
import { backoffDelay } from '../retry.ts';
import type { TaskEnvelope } from '../worker/envelope.ts';
import { copyTaskHeaders } from '../worker/handoff.ts';
import type { RunDeps } from '../worker/run-deps.ts';

/**
 * Puts back a task whose key stayed full: a copy at the tail of the queue, then the original is
 * acked. Why a copy and not `nak(delay)`: a nak counts a delivery, and the delivery count is the
 * attempt number and runs into the consumer's max_deliver; a copy is a new stream message that
 * carries the attempts of its earlier copies (`Celeriac-Prior-Attempts`), as an unknown task's
 * hand-back does (worker/handoff.ts). Where the stream takes server-side schedules the copy is
 * a one-shot schedule ahead by a delay that doubles with each hand-back of the task, so a key
 * that stays full is tried at a bounded rate and never in a hot loop. A crash between the copy and the ack redelivers the original;
 * its copy then has the same `Nats-Msg-Id` and is dropped as a duplicate. Never rejects.
 */
export async function handBack(env: TaskEnvelope, deps: RunDeps, delayed: boolean): Promise<void> {
  const { msg } = env;
  const name = `keywait-${msg.info.stream}-${msg.info.streamSequence}`;
  try {
    const h = copyTaskHeaders(env);
    const waits = keyWaitsOf(msg.headers?.get(HEADERS.keyWaits));
    h.set(HEADERS.keyWaits, String(waits + 1));
    if (delayed) {
      asSchedule(h, msg.subject, Date.now() + handBackDelayMs(waits));
      await deps.js.publish(scheduleSubject(deps.queue, name), msg.data, { headers: h, msgID: name });
    } else {
      await deps.js.publish(msg.subject, msg.data, { headers: h, msgID: name });
    }
    msg.ack();
  } catch (err) {
    // Not stored (stream full, NATS away): keep the task. This redelivery costs a delivery.
    deps.log.warn({ err, task: env.task }, 'could not hand back a task waiting for its concurrency key; redelivering later');
    msg.nak(DEFAULTS.keyHandbackDelayMs);
  }
}

/** The `Celeriac-Key-Waits` of a task; a value a foreign publisher got wrong counts as none. */
export function keyWaitsOf(header: string | undefined): number {
  const n = Number(header);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The delay of a task's next hand-back, after `waits` earlier ones: 250 ms doubling to 15 s, jittered. */
export function handBackDelayMs(waits: number, random: () => number = Math.random): number {
  const backoff = { type: 'exponential', delayMs: DEFAULTS.keyHandbackDelayMs, maxDelayMs: DEFAULTS.keyHandbackMaxDelayMs, jitter: true } as const;
  return backoffDelay(backoff, waits + 1, random);
}

/**
 * Makes the copy a one-shot schedule that fires into `target` at `at`. A `Nats-TTL` on the task
 * (a beat tick's expiry) would expire the schedule message itself before it fires: the server
 * turns `Nats-Schedule-TTL` into the fired message's `Nats-TTL` instead.
 */
function asSchedule(h: MsgHdrs, target: string, at: number): void {
  const ttl = h.get('Nats-TTL');
  if (ttl) {
    h.delete('Nats-TTL');
    h.set('Nats-Schedule-TTL', ttl);
  }
  h.set(HEADERS.schedule, `@at ${new Date(at).toISOString()}`);
  h.set(HEADERS.scheduleTarget, target);
}
