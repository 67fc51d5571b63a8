import { headers as natsHeaders } from '@nats-io/nats-core';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { HEADERS, deadLetterSubject, taskNameFromSubject } from '../protocol.ts';
import type { DeadReason } from '../errors.ts';

/** Stack traces are trimmed: a header must stay small, and the top frames are what matter. */
const MAX_STACK = 4000;

export interface DeadLetterInfo {
  reason: DeadReason;
  error: { message: string; type?: string; stack?: string };
  attempts: number;
}

/** Header values cannot hold newlines; keep them on one line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' | ').slice(0, MAX_STACK);

/**
 * Copies a task to the dead-letter stream with the reason, error, stack, attempts and its original
 * headers, waiting for the stream's ack. Only then may the caller `term()` the original: a failed
 * copy must leave the task in the queue.
 */
export async function publishDeadLetter(js: JetStreamClient, queue: string, msg: JsMsg, info: DeadLetterInfo): Promise<void> {
  const h = natsHeaders();
  if (msg.headers) {
    for (const [k, values] of msg.headers) {
      // The original dedupe id would make JetStream drop the dead letter of a duplicate; keep it under another name.
      if (k === HEADERS.msgId) continue;
      for (const v of values) h.append(k, v);
    }
  }
  const task = taskNameFromSubject(queue, msg.subject) ?? 'unknown';
  h.set(HEADERS.deadReason, info.reason);
  h.set(HEADERS.deadError, oneLine(info.error.message));
  if (info.error.type) h.set(HEADERS.deadErrorType, oneLine(info.error.type));
  if (info.error.stack) h.set(HEADERS.deadStack, oneLine(info.error.stack));
  h.set(HEADERS.deadAttempts, String(info.attempts));
  h.set(HEADERS.deadSubject, msg.subject);
  h.set(HEADERS.deadAt, new Date().toISOString());
  h.set(HEADERS.deadStreamSeq, String(msg.info.streamSequence));
  const subject = deadLetterSubject(queue, task.length > 0 ? task : 'unknown');
  await js.publish(subject, msg.data, { headers: h, msgID: `dead-${msg.info.stream}-${msg.info.streamSequence}` });
}
