import type { NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ResultRecord, TaskState } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { isNotFound } from 'celeriac/topology';

/** One task of a page: its result record and where it sits in the results bucket's stream. */
export interface TaskRow {
  seq: number;
  record: ResultRecord;
}

/** A page of tasks, oldest write first; `next` is the stream sequence the following page starts at. */
export interface TaskListPage {
  rows: TaskRow[];
  next?: number;
  /** Records read to fill the page: a rare state may need more than one page's worth. */
  scanned: number;
}

/**
 * Lists result records by state, paged by the results bucket's stream sequence. The bucket keeps
 * one entry per task id (its latest record), in the order they were last written, so paging by
 * sequence is stable while tasks run: a task whose record changes moves to the end. There is no
 * index by state: a page reads at most `scanLimit` records (one ordered-consumer fetch) and says
 * where to go on, so a rare state costs more pages, never an unbounded read.
 */
export async function listTasks(
  nc: NatsConnection,
  queue: string,
  opts: { state?: TaskState | undefined; from: number; limit: number; scanLimit: number },
): Promise<TaskListPage> {
  const stream = `KV_${queueNames(queue).resultBucket}`;
  let last: number;
  try {
    const info = await (await jetstreamManager(nc, { checkAPI: false })).streams.info(stream);
    if (info.state.messages === 0 || opts.from > info.state.last_seq) return { rows: [], scanned: 0 };
    last = info.state.last_seq;
  } catch (e) {
    if (isNotFound(e)) return { rows: [], scanned: 0 }; // results off (spec.results.enabled: false)
    throw e;
  }
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, opts.from) });
  const rows: TaskRow[] = [];
  let scanned = 0;
  let lastSeen = opts.from - 1;
  const batch = await consumer.fetch({ max_messages: opts.scanLimit, expires: 2_000 });
  for await (const m of batch) {
    scanned++;
    lastSeen = m.seq;
    if (m.data.length > 0) {
      try {
        const record = JSON.parse(m.string()) as ResultRecord;
        if (!opts.state || record.state === opts.state) rows.push({ seq: m.seq, record });
      } catch {
        // not a record (a foreign write to the bucket): not a task
      }
    }
    if (rows.length >= opts.limit || m.seq >= last) break;
  }
  await consumer.delete().catch(() => undefined);
  return lastSeen < last ? { rows, next: lastSeen + 1, scanned } : { rows, scanned };
}
