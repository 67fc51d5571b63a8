import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { DEFAULTS } from './defaults.ts';
import { queueNames, taskSubject } from './protocol.ts';

/** Everything that decides the JetStream objects of one queue (the TaskQueue spec, in ms). */
export interface QueueSettings {
  queue: string;
  /** Task names the stream accepts; empty = any task (one wildcard subject). */
  tasks: readonly string[];
  storage: 'file' | 'memory';
  replicas: number;
  /** Limits on waiting tasks; 0 = unlimited. Past a limit new enqueues are refused, never old tasks dropped. */
  maxAgeMs: number;
  maxMessages: number;
  maxBytes: number;
  /** At a limit: 'new' refuses new enqueues (safe default), 'old' drops the oldest waiting tasks. */
  discard: 'new' | 'old';
  ackWaitMs: number;
  /** Tasks delivered and not yet acked, across all workers (JetStream max_ack_pending). */
  maxInFlight: number;
  /**
   * The server's bound on deliveries of one task (JetStream max_deliver), whatever the workers do;
   * past it a worker dead-letters the task (reason `max-deliveries`). Must exceed every task's
   * maxAttempts plus handbacks. Default DEFAULTS.maxDeliveries.
   */
  maxDeliveries: number;
  duplicateWindowMs: number;
  deadLetter: { enabled: boolean; maxAgeMs: number; maxMessages: number; maxBytes: number };
  results: { enabled: boolean; ttlMs: number; maxBytes: number };
  /**
   * A task no live worker knows (a rolling upgrade's old pods meet a new task) is handed back for
   * this long before it is dead-lettered as `unknown-task`. Not a JetStream setting: workers get
   * it as `WorkerOptions.unknownTaskGraceMs` (the operator sets CELERIAC_UNKNOWN_TASK_GRACE_MS).
   */
  unknownTaskGraceMs: number;
}

export function defaultQueueSettings(queue: string, overrides: Partial<QueueSettings> = {}): QueueSettings {
  return {
    queue,
    tasks: [],
    storage: 'file',
    replicas: 1,
    maxAgeMs: 0,
    maxMessages: 0,
    maxBytes: 0,
    discard: 'new',
    ackWaitMs: DEFAULTS.ackWaitMs,
    maxInFlight: 10_000,
    maxDeliveries: DEFAULTS.maxDeliveries,
    duplicateWindowMs: DEFAULTS.duplicateWindowMs,
    deadLetter: { enabled: true, maxAgeMs: DEFAULTS.deadLetterMaxAgeMs, maxMessages: 0, maxBytes: 0 },
    results: { enabled: true, ttlMs: DEFAULTS.resultTtlMs, maxBytes: 0 },
    unknownTaskGraceMs: DEFAULTS.unknownTaskGraceMs,
    ...overrides,
  };
}

const ns = (ms: number) => Math.round(ms * 1_000_000);
const storageType = (s: QueueSettings['storage']) => (s === 'memory' ? StorageType.Memory : StorageType.File);

/** The task stream: work-queue retention, so a task is deleted once a worker acks it. */
export function desiredTaskStream(s: QueueSettings): Partial<StreamConfig> & { name: string } {
  const n = queueNames(s.queue);
  return {
    name: n.stream,
    // Listing the tasks makes an enqueue of an unknown task fail at publish time, not in a worker.
    subjects: s.tasks.length > 0 ? s.tasks.map((t) => taskSubject(s.queue, t)) : [n.taskSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: storageType(s.storage),
    num_replicas: s.replicas,
    max_age: ns(s.maxAgeMs),
    max_msgs: s.maxMessages > 0 ? s.maxMessages : -1,
    max_bytes: s.maxBytes > 0 ? s.maxBytes : -1,
    // Refusing new tasks at a limit (the default) never silently deletes queued ones.
    discard: s.discard === 'old' ? DiscardPolicy.Old : DiscardPolicy.New,
    duplicate_window: ns(s.duplicateWindowMs),
    allow_direct: true,
  };
}

/** The one durable pull consumer all workers of the queue share. */
export function desiredConsumer(s: QueueSettings): Partial<ConsumerConfig> & { durable_name: string } {
  const n = queueNames(s.queue);
  return {
    durable_name: n.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ns(s.ackWaitMs),
    max_ack_pending: s.maxInFlight,
    // Attempts are counted by the worker per task (tasks differ). This is the backstop for a task
    // that never reports back (it kills its worker every time): see worker/max-deliveries.ts.
    max_deliver: s.maxDeliveries,
    filter_subject: n.taskSubjects,
  };
}

export function desiredDeadLetterStream(s: QueueSettings): Partial<StreamConfig> & { name: string } {
  const n = queueNames(s.queue);
  return {
    name: n.deadLetterStream,
    subjects: [n.deadLetterSubjects],
    retention: RetentionPolicy.Limits,
    storage: storageType(s.storage),
    num_replicas: s.replicas,
    max_age: ns(s.deadLetter.maxAgeMs),
    max_msgs: s.deadLetter.maxMessages > 0 ? s.deadLetter.maxMessages : -1,
    max_bytes: s.deadLetter.maxBytes > 0 ? s.deadLetter.maxBytes : -1,
    discard: DiscardPolicy.Old,
  };
}

export function desiredResultBucket(s: QueueSettings) {
  return {
    name: queueNames(s.queue).resultBucket,
    ttl: s.results.ttlMs,
    replicas: s.replicas,
    storage: storageType(s.storage),
    history: 1,
    ...(s.results.maxBytes > 0 ? { max_bytes: s.results.maxBytes } : {}),
  };
}

/**
 * Creates or updates the queue's streams, consumer and result bucket. Used by tests, the demo and
 * apps run without the operator; the operator applies the same desired objects with drift reports.
 */
export async function ensureQueue(nc: NatsConnection, settings: QueueSettings): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const streams = [desiredTaskStream(settings), ...(settings.deadLetter.enabled ? [desiredDeadLetterStream(settings)] : [])];
  for (const cfg of streams) {
    try {
      await jsm.streams.info(cfg.name);
      await jsm.streams.update(cfg.name, cfg);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await jsm.streams.add(cfg);
    }
  }
  const stream = queueNames(settings.queue).stream;
  const consumer = desiredConsumer(settings);
  try {
    await jsm.consumers.info(stream, consumer.durable_name);
    await jsm.consumers.update(stream, consumer.durable_name, consumer);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(stream, consumer);
  }
  if (settings.results.enabled) {
    const { name, ...opts } = desiredResultBucket(settings);
    await new Kvm(nc).create(name, opts);
  }
}

export function isNotFound(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
