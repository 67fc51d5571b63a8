import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { queueNames } from '../protocol.ts';
import { desiredConsumer, desiredDeadLetterStream, desiredResultBucket, desiredTaskStream, desiredWorkflowBucket } from './desired.ts';
import { IMMUTABLE_CONSUMER_FIELDS, IMMUTABLE_STREAM_FIELDS, diffConfig, updatable, type FieldChange } from './diff.ts';
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

/** True for JetStream's "stream not found" and "consumer not found" API errors. */
export function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound);
}

/** Creates or updates a stream; returns its config as it was before, undefined when created. */
async function syncStream(jsm: JetStreamManager, desired: ReturnType<typeof desiredTaskStream>, report: SyncReport): Promise<StreamConfig | undefined> {
  let info;
  try {
    info = await jsm.streams.info(desired.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.streams.add(desired);
    report.created.push(`stream/${desired.name}`);
    return undefined;
  }
  const diff = diffConfig(desired, info.config, [...IMMUTABLE_STREAM_FIELDS, ...scheduleLockedFields(desired, info.config)]);
  report.unchangeable.push(...diff.unchangeable.map((c) => ({ ...c, object: `stream/${desired.name}` })));
  if (diff.changed.length > 0) {
    await jsm.streams.update(desired.name, updatable(desired, info.config, diff));
    report.updated.push(`stream/${desired.name}`);
  }
  return info.config;
}

/** Creates or updates a consumer; returns whether it is paused (false when just created). */
async function syncConsumer(jsm: JetStreamManager, stream: string, consumer: ReturnType<typeof desiredConsumer>, report: SyncReport): Promise<boolean> {
  try {
    const info = await jsm.consumers.info(stream, consumer.durable_name);
    const diff = diffConfig(consumer, info.config, IMMUTABLE_CONSUMER_FIELDS);
    report.unchangeable.push(...diff.unchangeable.map((c) => ({ ...c, object: `consumer/${consumer.durable_name}` })));
    if (diff.changed.length > 0) {
      await jsm.consumers.update(stream, consumer.durable_name, updatable(consumer, info.config, diff));
      report.updated.push(`consumer/${consumer.durable_name}`);
    }
    return info.paused === true;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(stream, consumer);
    report.created.push(`consumer/${consumer.durable_name}`);
    return false;
  }
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
export async function ensureQueue(nc: NatsConnection, s: QueueSettings): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], deleted: [], unchangeable: [] };
  const jsm = await jetstreamManager(nc);
  const names = queueNames(s.queue);
  const before = await syncStream(jsm, desiredTaskStream(s), report);
  if (s.deadLetter.enabled) await syncStream(jsm, desiredDeadLetterStream(s), report);
  else await deleteStream(jsm, names.deadLetterStream, report);

  const consumer = desiredConsumer(s);
  const paused = await syncConsumer(jsm, names.stream, consumer, report);
  for (const lane of desiredLaneConsumers(s, consumer)) {
    // A paused queue that gains a lane keeps it paused with the rest (pauseQueue pauses every lane).
    if (!(await syncConsumer(jsm, names.stream, lane, report)) && paused) await pauseLike(jsm, names.stream, consumer.durable_name, lane.durable_name);
  }
  // Lanes a queue no longer has lose their consumers; only queues that have or had lanes pay the listing.
  if (s.lanes || decodeLaneLayout(before?.metadata)) await deleteSurplusLaneConsumers(jsm, names.stream, s, report);

  await syncBucket(nc, jsm, desiredResultBucket(s), s.results.enabled, report);
  await syncBucket(nc, jsm, desiredCancelBucket(s), true, report);
  await syncBucket(nc, jsm, desiredWorkflowBucket(s), true, report);
  await syncRateLimitObjects(nc, s, (bucket) => syncBucket(nc, jsm, bucket, true, report), async (stream) => void (await syncStream(jsm, stream, report)));
  await syncBucket(nc, jsm, desiredSlotBucket(s), true, report);
  return report;
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
): Promise<void> {
  const kvStream = `KV_${bucket.name}`;
  if (!enabled) return deleteStream(jsm, kvStream, report);
  let exists = true;
  try {
    await jsm.streams.info(kvStream);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    exists = false;
  }
  if (!exists) {
    const { name, ...opts } = bucket;
    await new Kvm(nc).create(name, opts);
    report.created.push(`kv/${name}`);
  } else {
    const maxBytes = 'max_bytes' in bucket ? bucket.max_bytes : undefined;
    const desired = { name: kvStream, max_age: bucket.ttl * 1_000_000, max_bytes: maxBytes ?? -1, num_replicas: bucket.replicas };
    await syncStream(jsm, desired, report);
  }
}

/** Deletes every JetStream object of the queue (deletion policy Delete). */
export async function deleteQueue(nc: NatsConnection, queue: string): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], deleted: [], unchangeable: [] };
  const jsm = await jetstreamManager(nc);
  const names = queueNames(queue);
  for (const stream of [names.stream, names.deadLetterStream, `KV_${names.resultBucket}`, `KV_${cancelBucketName(queue)}`, `KV_${names.workflowBucket}`, `KV_${slotBucketName(queue)}`, ...rateLimitStreams(queue)]) await deleteStream(jsm, stream, report);
  return report;
}
