import { parseByteSize, parseDuration, queueNameOf, type TaskQueue } from '@celeriac/crds';
import type { RetryPolicy } from 'celeriac';
import { DEFAULTS, laneLayoutOf, type QueueSettings } from 'celeriac/topology';

const ms = (d: string | undefined) => (d ? parseDuration(d) : 0);
const bytes = (b: string | number | undefined) => (b === undefined ? 0 : parseByteSize(b));

/**
 * The runtime's view of a TaskQueue: the API server has filled in every default, so this is a
 * plain translation of units (durations to ms, sizes to bytes, enum casing).
 */
export function queueSettingsOf(tq: TaskQueue): QueueSettings {
  const s = tq.spec;
  return {
    queue: queueNameOf(tq),
    tasks: s.tasks ?? [],
    storage: s.storage === 'Memory' ? 'memory' : 'file',
    replicas: s.replicas,
    maxAgeMs: ms(s.limits.maxAge),
    maxMessages: s.limits.maxMessages ?? 0,
    maxBytes: bytes(s.limits.maxBytes),
    discard: s.limits.discard === 'Old' ? 'old' : 'new',
    ackWaitMs: ms(s.ackWait),
    maxInFlight: s.maxInFlight,
    maxDeliveries: s.maxDeliveries,
    duplicateWindowMs: ms(s.dedupeWindow),
    deadLetter: {
      enabled: s.deadLetter.enabled,
      maxAgeMs: ms(s.deadLetter.maxAge),
      maxMessages: s.deadLetter.maxMessages ?? 0,
      maxBytes: bytes(s.deadLetter.maxBytes),
    },
    results: { enabled: s.results.enabled, ttlMs: ms(s.results.ttl), maxBytes: bytes(s.results.maxBytes) },
    // An object stored before the field existed is defaulted on read; a hand-built one may lack it.
    unknownTaskGraceMs: s.unknownTaskGracePeriod ? parseDuration(s.unknownTaskGracePeriod) : DEFAULTS.unknownTaskGraceMs,
    concurrencySlotTtlMs: s.concurrencySlotTtl ? parseDuration(s.concurrencySlotTtl) : DEFAULTS.concurrencySlotTtlMs,
    // Priority levels times fairness buckets: the queue's lanes (celeriac's lanes/); none for one of each.
    lanes: laneLayoutOf(s.priorities?.levels, s.fairness?.buckets, s.priorities?.lowShare ?? DEFAULTS.laneLowSharePercent),
  };
}

/** The queue's default retry policy in the runtime's shape (the worker's CELERIAC_DEFAULT_RETRY). */
export function retryPolicyOf(tq: TaskQueue): RetryPolicy {
  const r = tq.spec.retry;
  const b = r.backoff;
  const backoff: RetryPolicy['backoff'] =
    b.type === 'fixed'
      ? { type: 'fixed', delayMs: ms(b.delay) }
      : b.type === 'list'
        ? { type: 'list', delaysMs: (b.delays ?? []).map(ms) }
        : { type: 'exponential', delayMs: ms(b.delay), maxDelayMs: ms(b.maxDelay), jitter: b.jitter };
  return { maxAttempts: r.maxAttempts, backoff };
}
