import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg, type StoredMsg } from '@nats-io/jetstream';
import { HEADERS, deadLetterSubject, queueNames, taskNameFromSubject } from '../protocol.ts';
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

/** A dead letter as read back for inspection or replay. */
export interface DeadLetter {
  seq: number;
  subject: string;
  reason: string;
  error: string;
  attempts: number;
  deadAt: string;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
}

function toDeadLetter(m: StoredMsg): DeadLetter {
  const get = (k: string) => m.header?.get(k) ?? '';
  return {
    seq: m.seq,
    subject: get(HEADERS.deadSubject),
    reason: get(HEADERS.deadReason),
    error: get(HEADERS.deadError),
    attempts: Number(get(HEADERS.deadAttempts) || 0),
    deadAt: get(HEADERS.deadAt),
    headers: m.header,
    data: m.data,
  };
}

/** Reads one dead letter by its sequence in the dead-letter stream. */
export async function getDeadLetter(nc: NatsConnection, queue: string, seq: number): Promise<DeadLetter> {
  const jsm = await jetstreamManager(nc);
  const m = await jsm.streams.getMessage(queueNames(queue).deadLetterStream, { seq });
  if (!m) throw new Error(`no dead letter ${seq} in queue ${queue}`);
  return toDeadLetter(m);
}

/** Lists dead letters, oldest first. */
export async function listDeadLetters(nc: NatsConnection, queue: string, limit = 100): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(nc);
  const stream = queueNames(queue).deadLetterStream;
  const info = await jsm.streams.info(stream);
  const out: DeadLetter[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && out.length < limit; seq++) {
    try {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m) out.push(toDeadLetter(m));
    } catch {
      // deleted (replayed) sequence: skip
    }
  }
  return out;
}

/**
 * Sends a dead letter back to its queue (original subject, headers and body, a fresh attempt
 * count) and removes it from the dead-letter stream. One call, as promised in the README.
 */
export async function replayDeadLetter(nc: NatsConnection, queue: string, seq: number): Promise<{ seq: number }> {
  const dl = await getDeadLetter(nc, queue, seq);
  if (!dl.subject) throw new Error(`dead letter ${seq} has no original subject`);
  const h = natsHeaders();
  for (const [k, values] of dl.headers ?? []) {
    if (k.startsWith('Celeriac-Dead-')) continue;
    for (const v of values) h.append(k, v);
  }
  const js = jetstream(nc);
  // A new dedupe id: the original one may still be inside the duplicate window.
  const ack = await js.publish(dl.subject, dl.data, { headers: h, msgID: `replay-${queue}-${seq}-${Date.now()}` });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.deleteMessage(queueNames(queue).deadLetterStream, seq, false);
  return { seq: ack.seq };
}
