import { RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { DEFAULTS } from '../defaults.ts';
import { SUBJECT_ROOT, queueNames } from '../protocol.ts';
import type { QueueSettings } from '../topology/settings.ts';

/**
 * A queue's rate limits live in two JetStream objects, both made by `ensureQueue`:
 * - the limits bucket `CELERIAC_<Q>_LIMITS` (key `queue` or `task.<name>`, value the JSON
 *   `{ limit, periodMs }`), written by the operator from the TaskQueue and by `setRateLimit`,
 *   watched by every worker;
 * - the counter stream `CELERIAC_<Q>_RATE` (nats-server 2.12 counters): one subject per limit and
 *   window, `celeriac.<q>.rl.<key>.<periodMs>.<window>`, incremented by workers as they take tokens.
 * See docs/protocol.md, "Rate limits".
 */
export function rateLimitBucketName(queue: string): string {
  return queueNames(queue).resultBucket.replace(/_RESULTS$/, '_LIMITS');
}

export function rateCounterStreamName(queue: string): string {
  return `${queueNames(queue).stream}_RATE`;
}

/** The counter of one limit's window; the period is in the subject so a changed period never reuses a count. */
export function rateCounterSubject(queue: string, key: string, periodMs: number, window: number): string {
  return `${SUBJECT_ROOT}.${queue}.rl.${key}.${periodMs}.${window}`;
}

export function desiredRateLimitBucket(s: Pick<QueueSettings, 'queue' | 'replicas' | 'storage'>) {
  return {
    name: rateLimitBucketName(s.queue),
    // Limits are configuration: they never expire.
    ttl: 0,
    replicas: s.replicas,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    history: 1,
  };
}

/**
 * Counters keep only their latest value (one message per subject) and expire a while after the
 * longest window could end, so the stream holds about one message per limit per window of the
 * last hour. A counter lost with the server's memory (storage `memory`) lets one window's worth
 * through again: the queue's storage decides, as it does for the tasks themselves.
 */
export function desiredRateCounterStream(s: Pick<QueueSettings, 'queue' | 'replicas' | 'storage'>): Partial<StreamConfig> & { name: string } {
  return {
    name: rateCounterStreamName(s.queue),
    subjects: [`${SUBJECT_ROOT}.${s.queue}.rl.>`],
    retention: RetentionPolicy.Limits,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: s.replicas,
    max_msgs_per_subject: 1,
    max_age: (DEFAULTS.rateLimitMaxPeriodMs + 60_000) * 1_000_000,
    allow_msg_counter: true,
  };
}
