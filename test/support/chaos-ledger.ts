// Reads back what the chaos task module (test/support/chaos-tasks.ts) recorded: one run record
// per handler run, one effect per charged task. Streams are created by the test before workers
// start, so no record is ever published to a subject nobody stores.
import { DeliverPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { effectsSubject, runsSubject, type RunRecord } from './chaos-tasks.ts';

const streamOf = (queue: string, what: string) => `CHAOS_${queue.toUpperCase().replaceAll('-', '_')}_${what}`;

/** Creates the run and effect streams of a queue. The effect dedupe window outlasts any test. */
export async function createLedger(nc: NatsConnection, queue: string, opts: { storage?: 'file' | 'memory'; replicas?: number } = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const storage = opts.storage === 'memory' ? StorageType.Memory : StorageType.File;
  const num_replicas = opts.replicas ?? 1;
  await jsm.streams.add({ name: streamOf(queue, 'RUNS'), subjects: [runsSubject(queue)], storage, num_replicas });
  await jsm.streams.add({ name: streamOf(queue, 'EFFECTS'), subjects: [effectsSubject(queue)], storage, num_replicas, duplicate_window: 30 * 60 * 1e9 });
}

export interface LedgerCounts {
  /** Handler runs per task id. */
  runs: Map<string, number>;
  /** Effects per task id (charge tasks only). */
  effects: Map<string, number>;
  /** Runs per worker name. */
  runsByWorker: Map<string, number>;
  /** Run records in the order the stream stored them, for timelines. */
  records: RunRecord[];
}

const decoder = new TextDecoder();

async function readAll<T>(nc: NatsConnection, stream: string, parse: (data: Uint8Array) => T, sinceMs?: number): Promise<T[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: T[] = [];
  if (info.state.messages === 0) return out;
  // Nothing stored since then: a consumer starting there would wait forever.
  if (sinceMs !== undefined && Date.parse(info.state.last_ts) < sinceMs) return out;
  const lastSeq = info.state.last_seq;
  const start = sinceMs === undefined
    ? { deliver_policy: DeliverPolicy.All }
    : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(sinceMs).toISOString() };
  // A short API timeout: while the stream elects a leader, fail fast and let the caller retry.
  const consumer = await jetstream(nc, { timeout: 2_000 }).consumers.get(stream, start);
  const messages = await consumer.consume({ max_messages: 1000 });
  try {
    for await (const m of messages) {
      out.push(parse(m.data));
      if (m.seq >= lastSeq) break;
    }
  } finally {
    await messages.close();
  }
  return out;
}

/** Workers that recorded a run stored after `sinceMs`: the cheap check that each one consumes. */
export async function workersRunningSince(nc: NatsConnection, queue: string, sinceMs: number): Promise<Map<string, number>> {
  const records = await readAll(nc, streamOf(queue, 'RUNS'), (d) => JSON.parse(decoder.decode(d)) as RunRecord, sinceMs);
  const out = new Map<string, number>();
  for (const r of records) out.set(r.worker, (out.get(r.worker) ?? 0) + 1);
  return out;
}

export async function readLedger(nc: NatsConnection, queue: string): Promise<LedgerCounts> {
  const records = await readAll(nc, streamOf(queue, 'RUNS'), (d) => JSON.parse(decoder.decode(d)) as RunRecord);
  const effectIds = await readAll(nc, streamOf(queue, 'EFFECTS'), (d) => (JSON.parse(decoder.decode(d)) as { id: string }).id);
  const runs = new Map<string, number>();
  const runsByWorker = new Map<string, number>();
  for (const r of records) {
    runs.set(r.id, (runs.get(r.id) ?? 0) + 1);
    runsByWorker.set(r.worker, (runsByWorker.get(r.worker) ?? 0) + 1);
  }
  const effects = new Map<string, number>();
  for (const id of effectIds) effects.set(id, (effects.get(id) ?? 0) + 1);
  return { runs, effects, runsByWorker, records };
}

/**
 * Per worker, how long after `since` it started its (prefetch + 1)-th run: a worker holds at most
 * `prefetch` tasks pulled before a fault, so that run proves a pull made after it. Measured this
 * way, a backlog ahead in the queue does not count against the worker.
 */
export function resumeTimes(records: readonly RunRecord[], since: number, prefetch: number): Map<string, number> {
  const seen = new Map<string, number>();
  const out = new Map<string, number>();
  for (const r of [...records].sort((a, b) => a.at - b.at)) {
    if (r.at <= since || out.has(r.worker)) continue;
    const n = (seen.get(r.worker) ?? 0) + 1;
    seen.set(r.worker, n);
    if (n > prefetch) out.set(r.worker, r.at - since);
  }
  return out;
}

/** Summary numbers: ids never run, ids run more than once and the extra runs. */
export function tally(expected: Iterable<string>, runs: Map<string, number>): { missing: string[]; duplicatedIds: number; extraRuns: number } {
  const missing: string[] = [];
  for (const id of expected) if (!runs.has(id)) missing.push(id);
  let duplicatedIds = 0;
  let extraRuns = 0;
  for (const n of runs.values()) {
    if (n > 1) {
      duplicatedIds++;
      extraRuns += n - 1;
    }
  }
  return { missing, duplicatedIds, extraRuns };
}
