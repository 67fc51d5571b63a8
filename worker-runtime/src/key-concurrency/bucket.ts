import { StorageType } from '@nats-io/jetstream';
import { queueNames } from '../protocol.ts';
import type { QueueSettings } from '../topology/settings.ts';

/**
 * The KV bucket of a queue's per-key concurrency slots, `CELERIAC_<Q>_SLOTS`: key
 * `<task>.<key token>.<slot index>`, value the holder (docs/protocol.md, "Concurrency slots").
 */
export function slotBucketName(queue: string): string {
  return queueNames(queue).resultBucket.replace(/_RESULTS$/, '_SLOTS');
}

/**
 * An entry lives `concurrencySlotTtlMs` after its last write (the bucket's max age): the holder
 * rewrites it while its task runs, so only a dead holder's slots expire. The server leaves a
 * marker when it expires one (`markerTTL`, nats-server 2.11), so a waiting worker's watch sees
 * an expired slot as it sees a freed one.
 */
export function desiredSlotBucket(s: QueueSettings) {
  return {
    name: slotBucketName(s.queue),
    ttl: s.concurrencySlotTtlMs,
    // The server's minimum for a marker's life is one second.
    markerTTL: Math.max(1_000, s.concurrencySlotTtlMs),
    replicas: s.replicas,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    history: 1,
  };
}
