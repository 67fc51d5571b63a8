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
import { laneMetadata, laneStreamSubjects } from './desired-lanes.ts';

/** The JetStream objects a queue's settings call for. Pure: tests call these with plain objects. */

const ns = (ms: number) => Math.round(ms * 1_000_000);
const storageType = (s: QueueSettings['storage']) => (s === 'memory' ? StorageType.Memory : StorageType.File);

/** The task stream: work-queue retention, so a task is deleted once a worker acks it. */
export function desiredTaskStream(s: QueueSettings): Partial<StreamConfig> & { name: string } {
  const n = queueNames(s.queue);
  return {
    name: n.stream,
    // Listing the tasks makes an enqueue of an unknown task fail at publish time, not in a worker.
    subjects: [...(s.tasks.length > 0 ? s.tasks.map((t) => taskSubject(s.queue, t)) : [n.taskSubjects]), n.scheduleSubjects, ...laneStreamSubjects(s)],
    retention: RetentionPolicy.Workqueue,
    storage: storageType(s.storage),
    num_replicas: s.replicas,
    max_age: ns(s.maxAgeMs),
    max_msgs: s.maxMessages > 0 ? s.maxMessages : -1,
    max_bytes: s.maxBytes > 0 ? s.maxBytes : -1,
    // Refusing new tasks at a limit (the default) never silently deletes queued ones. Without a
    // count or size limit the policy never applies, and the server refuses schedules on a
    // discard-new stream: such a stream says `old`, with the same effect.
    discard: s.discard === 'old' || schedulable(s) ? DiscardPolicy.Old : DiscardPolicy.New,
    duplicate_window: ns(s.duplicateWindowMs),
    allow_direct: true,
    // Delayed tasks and periodic schedules are server-side schedules (nats-server 2.12: @at; 2.14:
    // @every, cron, time zones) kept in the queue's own stream under scheduleSubjects (a schedule
    // may only target a subject of its own stream); a task's expiry is a per-message TTL (2.11).
    // Both can be turned on for an existing stream, never off.
    ...(schedulable(s) ? { allow_msg_schedules: true } : {}),
    allow_msg_ttl: true,
    metadata: laneMetadata(s),
  };
}

/**
 * Whether the queue's task stream can hold server-side schedules. nats-server 2.14 refuses them
 * on a stream that discards new messages at a limit ("message scheduling cannot use discard
 * new"): a queue with a count or size limit and `discard: new` (refuse enqueues when full) has
 * no delayed tasks or schedules; `discard: old`, or no such limit, has them.
 */
export function schedulable(s: Pick<QueueSettings, 'discard' | 'maxMessages' | 'maxBytes'>): boolean {
  return s.discard === 'old' || (s.maxMessages <= 0 && s.maxBytes <= 0);
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
 * The workflow bucket (workflows/): plans, per-group member results and workflow states, kept
 * as long as results are. It exists with results off too: chains and chords need it either way.
 */
export function desiredWorkflowBucket(s: QueueSettings) {
  // No byte limit: a refused write would stall a chord, and its entries expire with the TTL.
  const { max_bytes: _unlimited, ...result } = desiredResultBucket(s) as ReturnType<typeof desiredResultBucket> & { max_bytes?: number };
  return { ...result, name: queueNames(s.queue).workflowBucket };
}
