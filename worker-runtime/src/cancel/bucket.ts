import { StorageType } from '@nats-io/jetstream';
import { queueNames } from '../protocol.ts';
import type { QueueSettings } from '../topology/settings.ts';

/**
 * The KV bucket of a queue's cancels, `CELERIAC_<Q>_CANCELS`: key = task id, value = the JSON
 * `CancelRequest`. Any client cancels a task with one publish to `$KV.<bucket>.<id>`
 * (docs/protocol.md, "Cancel"); every worker of the queue watches the bucket.
 */
export function cancelBucketName(queue: string): string {
  return queueNames(queue).resultBucket.replace(/_RESULTS$/, '_CANCELS');
}

/** The body of a cancel entry. Both fields are optional: an empty body cancels too. */
export interface CancelRequest {
  /** When it was asked for, ms since the epoch. */
  at?: number;
  /** Why, for the record's error message and the logs. */
  reason?: string;
}

/**
 * A cancel is kept as long as the task it names can still be delivered or can still be asked
 * about: the queue's max age (a task older than that is gone anyway) or the result TTL, whichever
 * is longer. Past it the server deletes the entry, so the bucket never grows for ever; a task
 * still waiting after that (a queue with no max age, a delay longer than the result TTL) is no
 * longer cancelled.
 */
export function cancelTtlMs(s: Pick<QueueSettings, 'maxAgeMs' | 'results'>): number {
  return Math.max(s.maxAgeMs, s.results.ttlMs);
}

export function desiredCancelBucket(s: QueueSettings) {
  return {
    name: cancelBucketName(s.queue),
    ttl: cancelTtlMs(s),
    replicas: s.replicas,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    history: 1,
  };
}
