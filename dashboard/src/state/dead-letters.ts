import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { getDeadLetter, type DeadLetter } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { isNotFound } from 'celeriac/topology';
import type { DeadLetterRow } from '../views/queue.ts';

function row(d: DeadLetter): DeadLetterRow {
  // The original subject is celeriac.<queue>.tasks.<task>: the task name is what people know.
  const task = d.subject.split('.').slice(3).join('.') || d.subject;
  return { seq: d.seq, task, reason: d.reason, attempts: d.attempts, deadAt: d.deadAt, error: d.error };
}

async function bounds(nc: NatsConnection, queue: string): Promise<{ first: number; last: number } | undefined> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  try {
    const info = await jsm.streams.info(queueNames(queue).deadLetterStream);
    return info.state.messages === 0 ? undefined : { first: info.state.first_seq, last: info.state.last_seq };
  } catch (e) {
    if (isNotFound(e)) return undefined; // a queue without dead letters (spec.deadLetter off)
    throw e;
  }
}

/** Reads the dead letters at `seqs` in order, skipping replayed (deleted) ones, up to `limit`. */
async function readSome(nc: NatsConnection, queue: string, seqs: Iterable<number>, limit: number): Promise<{ rows: DeadLetterRow[]; stoppedAt?: number }> {
  const rows: DeadLetterRow[] = [];
  for (const seq of seqs) {
    if (rows.length >= limit) return { rows, stoppedAt: seq };
    try {
      rows.push(row(await getDeadLetter(nc, queue, seq)));
    } catch {
      // replayed or purged meanwhile: skip
    }
  }
  return { rows };
}

function* range(from: number, to: number, step: 1 | -1): Generator<number> {
  for (let s = from; step > 0 ? s <= to : s >= to; s += step) yield s;
}

/** The newest `limit` dead letters, newest first: a queue's recent failures. */
export async function recentDeadLetters(nc: NatsConnection, queue: string, limit: number): Promise<DeadLetterRow[]> {
  const b = await bounds(nc, queue);
  return b ? (await readSome(nc, queue, range(b.last, b.first, -1), limit)).rows : [];
}

/** One page of dead letters, oldest first from `from`; `next` starts the following page. */
export async function deadLetterPage(nc: NatsConnection, queue: string, from: number, limit: number): Promise<{ rows: DeadLetterRow[]; next?: number }> {
  const b = await bounds(nc, queue);
  if (!b) return { rows: [] };
  const r = await readSome(nc, queue, range(Math.max(from, b.first), b.last, 1), limit);
  return r.stoppedAt !== undefined ? { rows: r.rows, next: r.stoppedAt } : { rows: r.rows };
}
