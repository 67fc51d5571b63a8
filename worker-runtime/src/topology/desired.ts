import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from '@nats-io/jetstream';
import { queueNames, taskSubject } from '../protocol.ts';
import type { QueueSettings } from './settings.ts';

/** The JetStream objects a queue's settings call for. Pure: tests call these with plain objects. */

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
