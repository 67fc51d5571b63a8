import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client, cancelTask, declareTask, listDeadLetters, replayDeadLetter } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { pauseQueue, resumeQueue } from 'celeriac/topology';
import type { Action } from '../auth/rbac.ts';
import { HttpError } from './request.ts';

/** What an action did: the notice the user sees and the Event recorded on the TaskQueue. */
export interface Outcome {
  reason: string;
  message: string;
  /** Some part failed (e.g. one dead letter of many could not be replayed). */
  partial?: boolean;
}

function seqOf(s: string | undefined): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n <= 0) throw new HttpError(400, `bad dead-letter sequence ${JSON.stringify(s ?? '')}`);
  return n;
}

function required(form: Record<string, string>, field: string): string {
  const v = form[field]?.trim();
  if (!v) throw new HttpError(400, `${field} is required`);
  return v;
}

function payloadOf(text: string | undefined): unknown {
  try {
    return JSON.parse(text?.trim() || 'null');
  } catch (e) {
    throw new HttpError(400, `the payload is not JSON: ${(e as Error).message}`);
  }
}

/**
 * Runs one action on a queue's NATS with the celeriac admin API (the CLI's calls). `sub` is the
 * path part after the queue (`pause`, `dead/17/replay`, ...); input errors are HttpError 400.
 */
export async function runAction(action: Action, nc: NatsConnection, queue: string, sub: string[], form: Record<string, string>): Promise<Outcome> {
  switch (action) {
    case 'pause':
      await pauseQueue(nc, queue);
      return { reason: 'Paused', message: 'paused the queue' };
    case 'resume':
      await resumeQueue(nc, queue);
      return { reason: 'Resumed', message: 'resumed the queue' };
    case 'replay': {
      if (sub[1] !== 'replay-all') {
        const seq = seqOf(sub[1]);
        const r = await replayDeadLetter(nc, queue, seq).catch((e: unknown) => {
          throw new HttpError(/no message found|no dead letter/i.test(String(e)) ? 404 : 409, `cannot replay dead letter ${seq}: ${(e as Error).message}`);
        });
        return { reason: 'DeadLetterReplayed', message: `replayed dead letter ${seq} as task message ${r.seq}` };
      }
      const all = await listDeadLetters(nc, queue, Number.MAX_SAFE_INTEGER);
      let done = 0;
      for (const d of all) {
        try {
          await replayDeadLetter(nc, queue, d.seq);
          done++;
        } catch {
          // counted below; the others still go
        }
      }
      return { reason: 'DeadLettersReplayed', message: `replayed ${done} of ${all.length} dead letters`, partial: done < all.length };
    }
    case 'purge': {
      const jsm = await jetstreamManager(nc);
      const r = await jsm.streams.purge(queueNames(queue).deadLetterStream);
      return { reason: 'DeadLettersPurged', message: `purged ${r.purged} dead letters` };
    }
    case 'cancel': {
      const id = required(form, 'id');
      const outcome = await cancelTask(nc, queue, id);
      return { reason: 'TaskCancelRequested', message: `cancel of task ${id}: ${outcome}` };
    }
    case 'enqueue': {
      const name = required(form, 'task');
      let task;
      try {
        task = declareTask(name);
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      const payload = payloadOf(form.payload);
      const client = new Client(nc, { queue });
      try {
        const h = await client.enqueue(task, payload);
        return { reason: 'TaskEnqueued', message: `enqueued test task ${name} as ${h.id}` };
      } finally {
        await client.close();
      }
    }
  }
}

/** The action a POST path names: /q/<ns>/<name>/<sub...>. */
export function actionOf(sub: string[]): Action | undefined {
  const [first, second, third] = sub;
  if (sub.length === 1 && (first === 'pause' || first === 'resume' || first === 'cancel' || first === 'enqueue')) return first;
  if (first === 'dead' && sub.length === 2 && second === 'purge') return 'purge';
  if (first === 'dead' && sub.length === 2 && second === 'replay-all') return 'replay';
  if (first === 'dead' && sub.length === 3 && third === 'replay') return 'replay';
  return undefined;
}
