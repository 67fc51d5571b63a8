import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { HEADERS, deadLetterSubject, taskNameFromSubject, type DeadTruncation } from '../protocol.ts';
import type { DeadReason } from '../errors.ts';
import { fitDeadLetter, type DeadLetterParts, type Header } from './dead-letter-fit.ts';

/** Stack traces and messages are trimmed: a header must stay small, and the top frames are what matter. */
const MAX_ERROR_CHARS = 4000;

export interface DeadLetterInfo {
  reason: DeadReason;
  error: { message: string; type?: string; stack?: string };
  attempts: number;
}

/** The message being dead-lettered: a delivery (JsMsg) or one read back from the stream by sequence. */
export interface DeadLetterSource {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
  stream: string;
  streamSeq: number;
}

export const sourceOfDelivery = (msg: JsMsg): DeadLetterSource => ({
  subject: msg.subject,
  data: msg.data,
  headers: msg.headers,
  stream: msg.info.stream,
  streamSeq: msg.info.streamSequence,
});

/** What was written: the dead letter's sequence and what it had to leave out. */
export interface WrittenDeadLetter {
  seq: number;
  truncated: DeadTruncation[];
}

/** Even the reason, subject and ids do not fit the server's max_payload: trying again cannot help. */
export class DeadLetterTooLargeError extends Error {
  override readonly name = 'DeadLetterTooLargeError';
}

/** Header values cannot hold newlines; keep them on one line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' | ').slice(0, MAX_ERROR_CHARS);

/** Headers that identify the task and say why it died: kept whatever the size limit. */
const KEPT_ORIGINAL = new Set<string>([HEADERS.id, HEADERS.enqueuedAt]);

function deadLetterParts(src: DeadLetterSource, info: DeadLetterInfo, msgId: string): DeadLetterParts {
  const required: Header[] = [];
  const extra: Header[] = [];
  for (const [k, values] of src.headers ?? []) {
    // The original dedupe id would make JetStream drop the dead letter of a duplicate; keep it under another name.
    if (k === HEADERS.msgId) continue;
    for (const v of values) (KEPT_ORIGINAL.has(k) ? required : extra).push([k, v]);
  }
  required.push(
    [HEADERS.msgId, msgId],
    [HEADERS.deadReason, info.reason],
    [HEADERS.deadAttempts, String(info.attempts)],
    [HEADERS.deadSubject, src.subject],
    [HEADERS.deadAt, new Date().toISOString()],
    [HEADERS.deadStreamSeq, String(src.streamSeq)],
  );
  const error: Header[] = [];
  if (info.error.type) error.push([HEADERS.deadErrorType, oneLine(info.error.type)]);
  error.push([HEADERS.deadError, oneLine(info.error.message)]);
  if (info.error.stack) error.push([HEADERS.deadStack, oneLine(info.error.stack)]);
  return { required, extra, error, data: src.data };
}

/**
 * Copies a task to the dead-letter stream with the reason, error, stack, attempts and its original
 * headers, waiting for the stream's ack. Only then may the caller `term()` the original: a failed
 * copy must leave the task in the queue. A copy larger than `maxPayload` (the connection's
 * max_payload; headers count) is cut to fit, and says what it lost (dead-letter-fit.ts): a task
 * near the limit must still end, not loop on `max_payload size exceeded`.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  queue: string,
  src: DeadLetterSource,
  info: DeadLetterInfo,
  maxPayload: number,
): Promise<WrittenDeadLetter> {
  const task = taskNameFromSubject(queue, src.subject) ?? 'unknown';
  const msgId = `dead-${src.stream}-${src.streamSeq}`;
  const fitted = fitDeadLetter(deadLetterParts(src, info, msgId), maxPayload);
  if (!fitted) throw new DeadLetterTooLargeError(`a dead letter of ${src.subject} does not fit max_payload ${maxPayload} even without its body`);
  const h = natsHeaders();
  for (const [k, v] of fitted.headers) h.append(k, v);
  // The dedupe id is in the headers already (counted in the budget): no msgID option on top.
  const ack = await js.publish(deadLetterSubject(queue, task.length > 0 ? task : 'unknown'), fitted.data, { headers: h });
  return { seq: ack.seq, truncated: fitted.truncated };
}
