import type { MsgHdrs } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { HEADERS, scheduleSubject } from '../protocol.ts';
import type { TaskEnvelope } from '../worker/envelope.ts';
import { copyTaskHeaders } from '../worker/handoff.ts';
import type { RunDeps } from '../worker/run-deps.ts';

/**
 * Puts back a task whose key stayed full: a copy at the tail of the queue, then the original is
 * acked. Why a copy and not `nak(delay)`: a nak counts a delivery, and the delivery count is the
 * attempt number and runs into the consumer's max_deliver; a copy is a new stream message that
 * carries the attempts of its earlier copies (`Celeriac-Prior-Attempts`), as an unknown task's
 * hand-back does (worker/handoff.ts). Where the stream takes server-side schedules the copy is
 * a one-shot schedule `keyHandbackDelayMs` ahead, so a key that stays full is tried at a bounded
 * rate and never in a hot loop. A crash between the copy and the ack redelivers the original;
 * its copy then has the same `Nats-Msg-Id` and is dropped as a duplicate. Never rejects.
 */
export async function handBack(env: TaskEnvelope, deps: RunDeps, delayed: boolean): Promise<void> {
  const { msg } = env;
  const name = `keywait-${msg.info.stream}-${msg.info.streamSequence}`;
  try {
    const h = copyTaskHeaders(env);
    if (delayed) {
      asSchedule(h, msg.subject, Date.now() + DEFAULTS.keyHandbackDelayMs);
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
