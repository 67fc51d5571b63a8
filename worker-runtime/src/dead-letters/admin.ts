import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { HEADERS, queueNames } from '../protocol.ts';

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
  // A dead letter cut to fit max_payload may have lost the body: replaying it would run the task
  // on an empty payload. Its Celeriac-Dead-Body-Bytes header says how large the lost body was.
  const truncated = dl.headers?.get(HEADERS.deadTruncated) ?? '';
  if (truncated.split(',').includes('body')) {
    throw new Error(`dead letter ${seq} of queue ${queue} was written without its body (too large for the server); it cannot be replayed`);
  }
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
