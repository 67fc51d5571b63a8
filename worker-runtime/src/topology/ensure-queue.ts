import type { NatsConnection } from '@nats-io/nats-core';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, type StorageType, type ConsumerInfo, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { queueNames } from '../protocol.ts';
import { desiredConsumer, desiredDeadLetterStream, desiredResultBucket, desiredTaskStream, desiredWorkflowBucket } from './desired.ts';
import { IMMUTABLE_CONSUMER_FIELDS, IMMUTABLE_STREAM_FIELDS, diffConfig, updatable, type FieldChange } from './diff.ts';
import { managerOf } from './manager.ts';
import { serverFeatures } from './server-features.ts';
import { laneBacklogOf, queueStateOf, type QueueState } from './queue-state.ts';
import type { QueueSettings } from './settings.ts';
import type { desiredRateLimitBucket } from '../rate-limit/topology.ts';
import { cancelBucketName, desiredCancelBucket } from '../cancel/bucket.ts';
import { syncRateLimitObjects, rateLimitStreams } from '../rate-limit/ensure.ts';
import { desiredSlotBucket, slotBucketName } from '../key-concurrency/bucket.ts';
import { decodeLaneLayout, lanesOf } from '../lanes/layout.ts';
import { desiredLaneConsumers, isLaneConsumer } from './desired-lanes.ts';

/** What one sync did, for conditions, events and logs. */
export interface SyncReport {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Spec changes JetStream cannot apply in place: `object.field`. */
  unchangeable: Array<FieldChange & { object: string }>;
}

/** What ensureQueue did, and the queue's numbers as read on the way. */
export interface QueueSync extends SyncReport {
  /**
   * As readQueueState would answer, from the stream and consumer infos the sync read (or the
   * objects it made): a caller that wants both needs no second round of requests.
   */
  state: QueueState;
}

const emptyReport = (): SyncReport => ({ created: [], updated: [], deleted: [], unchangeable: [] });

/** True for JetStream's "stream not found" and "consumer not found" API errors. */
export function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound);
}

/** A stream after a sync, and its config before (undefined when the sync created it). */
interface SyncedStream {
  info: StreamInfo;
  before: StreamConfig | undefined;
}

async function syncStream(jsm: JetStreamManager, desired: ReturnType<typeof desiredTaskStream>, report: SyncReport): Promise<SyncedStream> {
  let info;
  try {
    info = await jsm.streams.info(desired.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const made = await jsm.streams.add(desired);
    report.created.push(`stream/${desired.name}`);
    return { info: made, before: undefined };
  }
  const diff = diffConfig(desired, info.config, [...IMMUTABLE_STREAM_FIELDS, ...scheduleLockedFields(desired, info.config)]);
  report.unchangeable.push(...diff.unchangeable.map((c) => ({ ...c, object: `stream/${desired.name}` })));
  if (diff.changed.length === 0) return { info, before: info.config };
  const updated = await jsm.streams.update(desired.name, updatable(desired, info.config, diff));
  report.updated.push(`stream/${desired.name}`);
  return { info: updated, before: info.config };
}

/** Returns the consumer's info as it is after the sync. */
async function syncConsumer(jsm: JetStreamManager, stream: string, consumer: ReturnType<typeof desiredConsumer>, report: SyncReport): Promise<ConsumerInfo> {
  let info;
  try {
    info = await jsm.consumers.info(stream, consumer.durable_name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const made = await jsm.consumers.add(stream, consumer);
    report.created.push(`consumer/${consumer.durable_name}`);
    return made;
  }
  const diff = diffConfig(consumer, info.config, IMMUTABLE_CONSUMER_FIELDS);
  report.unchangeable.push(...diff.unchangeable.map((c) => ({ ...c, object: `consumer/${consumer.durable_name}` })));
  if (diff.changed.length === 0) return info;
  const updated = await jsm.consumers.update(stream, consumer.durable_name, updatable(consumer, info.config, diff));
  report.updated.push(`consumer/${consumer.durable_name}`);
  return updated;
}

/** Pauses consumer `name` until the same time as consumer `like`. */
async function pauseLike(jsm: JetStreamManager, stream: string, like: string, name: string): Promise<void> {
  const until = (await jsm.consumers.info(stream, like)).config.pause_until;
  if (until) await jsm.consumers.pause(stream, name, new Date(until));
}

/**
 * Removes the consumers of lanes the settings no longer have. Tasks still in such a lane stay in
 * the stream, undelivered, until the lane comes back: docs/concepts.md says to drain a lane first.
 */
async function deleteSurplusLaneConsumers(jsm: JetStreamManager, stream: string, s: QueueSettings, report: SyncReport): Promise<void> {
  const wanted = new Set(s.lanes ? lanesOf(s.lanes).map((l) => l.consumer) : []);
  for await (const { name } of jsm.consumers.list(stream)) {
    if (!isLaneConsumer(name) || wanted.has(name)) continue;
    await jsm.consumers.delete(stream, name);
    report.deleted.push(`consumer/${name}`);
  }
}

/**
 * Schedules, once on, stay on (nats-server refuses to turn them off), and a stream with schedules
 * cannot discard new messages at a limit. A queue that gains a count or size limit with
 * `discard: new` after it held schedules therefore cannot apply that limit: its limit fields are
 * reported unchangeable (a condition on the TaskQueue) rather than applied as "drop the oldest",
 * which would silently lose tasks.
 */
export function scheduleLockedFields(desired: { allow_msg_schedules?: boolean }, actual: { allow_msg_schedules?: boolean }): string[] {
  return actual.allow_msg_schedules === true && desired.allow_msg_schedules !== true ? ['discard', 'max_msgs', 'max_bytes', 'allow_msg_schedules'] : [];
}

async function deleteStream(jsm: JetStreamManager, name: string, report: SyncReport): Promise<void> {
  try {
    await jsm.streams.delete(name);
    report.deleted.push(`stream/${name}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * The one way a queue is set up in NATS. Makes the queue's JetStream objects match the settings:
 * creates what is missing (a stream deleted behind our back comes back), updates what JetStream
 * can update, reports what it can't, and removes the dead-letter stream or result bucket the
 * settings turn off. The operator calls it on every TaskQueue reconcile (its report becomes
 * conditions and events); tests, the demo and apps run without the operator call it directly.
 */
export async function ensureQueue(nc: NatsConnection, s: QueueSettings): Promise<QueueSync> {
  const jsm = await managerOf(nc);
  const names = queueNames(s.queue);
  // The streams and buckets are independent: synced at once, one round trip instead of one each
  // (a mass apply of queues waited mostly on these). The consumers need their stream: after.
  const parts: Array<(r: SyncReport) => Promise<SyncedStream | void>> = [
    (r) => syncStream(jsm, desiredTaskStream(s), r),
    (r) => (s.deadLetter.enabled ? syncStream(jsm, desiredDeadLetterStream(s), r) : deleteStream(jsm, names.deadLetterStream, r)),
    // Fast batches: a worker's result records of one turn are stored with one ack (results.ts).
    (r) => syncBucket(nc, jsm, desiredResultBucket(s), s.results.enabled, r, serverFeatures(nc.info?.version).fastBatch ? { allow_batched: true } : {}),
    (r) => syncBucket(nc, jsm, desiredCancelBucket(s), true, r),
    (r) => syncBucket(nc, jsm, desiredWorkflowBucket(s), true, r),
    (r) => syncRateLimitObjects(nc, s, (bucket) => syncBucket(nc, jsm, bucket, true, r), async (stream) => void (await syncStream(jsm, stream, r))),
    (r) => syncBucket(nc, jsm, desiredSlotBucket(s), true, r),
  ];
  const reports = parts.map(emptyReport);
  // allSettled: a failed part must not leave the others running unobserved after we return.
  const settled = await Promise.allSettled(parts.map((sync, i) => sync(reports[i]!)));
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const [task, deadLetters] = settled.map((r) => (r as PromiseFulfilledResult<SyncedStream | undefined>).value);

  const consumerReport = emptyReport();
  const desired = desiredConsumer(s);
  const consumer = await syncConsumer(jsm, names.stream, desired, consumerReport);
  for (const lane of desiredLaneConsumers(s, desired)) {
    // A paused queue that gains a lane keeps it paused with the rest (pauseQueue pauses every lane).
    const made = await syncConsumer(jsm, names.stream, lane, consumerReport);
    if (made.paused !== true && consumer.paused === true) await pauseLike(jsm, names.stream, desired.durable_name, lane.durable_name);
  }
  // Lanes a queue no longer has lose their consumers; only queues that have or had lanes pay the listing.
  if (s.lanes || decodeLaneLayout(task!.before?.metadata)) await deleteSurplusLaneConsumers(jsm, names.stream, s, consumerReport);

  // Reported in the order the objects were synced one by one before (stream, DLQ, consumers, buckets).
  const report = [reports[0]!, reports[1]!, consumerReport, ...reports.slice(2)].reduce((all, r) => ({
    created: [...all.created, ...r.created],
    updated: [...all.updated, ...r.updated],
    deleted: [...all.deleted, ...r.deleted],
    unchangeable: [...all.unchangeable, ...r.unchangeable],
  }), emptyReport());
  return { ...report, state: queueStateOf(consumer, task!.info, deadLetters?.info, await laneBacklogOf(jsm, task!.info)) };
}

/** A KV bucket is a stream named KV_<bucket>; its settings are synced like any stream. */
async function syncBucket(
  nc: NatsConnection,
  jsm: JetStreamManager,
  bucket:
    | ReturnType<typeof desiredResultBucket>
    | ReturnType<typeof desiredCancelBucket>
    | ReturnType<typeof desiredWorkflowBucket>
    | ReturnType<typeof desiredRateLimitBucket>
    | ReturnType<typeof desiredSlotBucket>,
  enabled: boolean,
  report: SyncReport,
  streamFields: { allow_batched?: boolean } = {},
): Promise<void> {
  const kvStream = `KV_${bucket.name}`;
  if (!enabled) return deleteStream(jsm, kvStream, report);
  let exists = true;
  let mirror = false;
  try {
    mirror = Boolean((await jsm.streams.info(kvStream)).config.mirror);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    exists = false;
  }
  if (!exists) {
    const { name, ...opts } = bucket;
    // Kvm.create takes no stream fields but its own: a bucket with others is made as it would make
    // it, with them, in one request (a follow-up update is one more meta operation per queue).
    if (Object.keys(streamFields).length > 0) await jsm.streams.add({ ...kvStreamConfig(bucket), ...streamFields });
    else await new Kvm(nc).create(name, opts);
    report.created.push(`kv/${name}`);
  } else {
    const maxBytes = 'max_bytes' in bucket ? bucket.max_bytes : undefined;
    // A mirror (made by hand) takes no batches: the server refuses allow_batched on one.
    const desired = { name: kvStream, max_age: bucket.ttl * 1_000_000, max_bytes: maxBytes ?? -1, num_replicas: bucket.replicas, ...(mirror ? {} : streamFields) };
    await syncStream(jsm, desired, report);
  }
}

/**
 * The stream `new Kvm(nc).create(name, opts)` makes for these options on a 2.9+ server
 * (@nats-io/kv `Bucket.init`): limits retention, one subject per key, discard new, direct gets,
 * rollups. A test compares the two field by field, so a change in nats.js shows.
 */
export function kvStreamConfig(bucket: { name: string; ttl: number; replicas: number; storage: StorageType; history: number; max_bytes?: number }) {
  return {
    name: `KV_${bucket.name}`,
    subjects: [`$KV.${bucket.name}.>`],
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: bucket.history,
    ...(bucket.max_bytes !== undefined && bucket.max_bytes > 0 ? { max_bytes: bucket.max_bytes } : {}),
    max_msg_size: -1,
    storage: bucket.storage,
    discard: DiscardPolicy.New,
    allow_direct: true,
    num_replicas: bucket.replicas,
    ...(bucket.ttl > 0 ? { max_age: bucket.ttl * 1_000_000 } : {}),
    allow_rollup_hdrs: true,
  };
}

/** Deletes every JetStream object of the queue (deletion policy Delete). */
export async function deleteQueue(nc: NatsConnection, queue: string): Promise<SyncReport> {
  const report = emptyReport();
  const jsm = await managerOf(nc);
  const names = queueNames(queue);
  for (const stream of [names.stream, names.deadLetterStream, `KV_${names.resultBucket}`, `KV_${cancelBucketName(queue)}`, `KV_${names.workflowBucket}`, `KV_${slotBucketName(queue)}`, ...rateLimitStreams(queue)]) await deleteStream(jsm, stream, report);
  return report;
}
