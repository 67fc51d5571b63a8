import type { KV } from '@nats-io/kv';
import type { ResultRecord } from 'celeriac';

/** How the tasks of a run ended, read from the queue's result bucket: every list empty means each ran once and succeeded. */
export interface RunOutcome {
  /** Enqueued, and no result: lost, or not finished. */
  missing: string[];
  /** A result in another state than succeeded (failed, dead, still started or retrying). */
  notSucceeded: string[];
  /** Succeeded on a later attempt: it ran more than once. */
  ranAgain: string[];
  /** Results of tasks this run never enqueued. */
  unexpected: string[];
}

/**
 * Reads the result of every enqueued id (results are stored before the ack, so read after the
 * queue has drained). The bucket holds one record per task id, and `attempts` counts deliveries,
 * so a task that ran twice shows as a success on attempt 2.
 */
export async function readRunOutcome(kv: KV, enqueued: readonly string[]): Promise<RunOutcome> {
  const out: RunOutcome = { missing: [], notSucceeded: [], ranAgain: [], unexpected: [] };
  const ids = new Set(enqueued);
  for await (const key of await kv.keys()) if (!ids.has(key)) out.unexpected.push(key);
  const CHUNK = 500; // bounded in-flight KV reads on one connection
  for (let i = 0; i < enqueued.length; i += CHUNK) {
    const chunk = enqueued.slice(i, i + CHUNK);
    const records = await Promise.all(
      chunk.map(async (id) => {
        const entry = await kv.get(id);
        return entry?.operation === 'PUT' ? entry.json<ResultRecord>() : undefined;
      }),
    );
    records.forEach((r, j) => {
      const id = chunk[j]!;
      if (!r) out.missing.push(id);
      else if (r.state !== 'succeeded') out.notSucceeded.push(`${id}:${r.state}`);
      else if (r.attempts !== 1) out.ranAgain.push(`${id}:attempt ${r.attempts}`);
    });
  }
  return out;
}
