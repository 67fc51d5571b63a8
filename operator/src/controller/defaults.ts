import type { BackoffPolicy } from './backoff.ts';

/**
 * Every default of the controller runtime, with why it is what it is. Options objects fall back
 * to these; nothing else in the folder hard-codes a timing.
 */
export const defaults = {
  /** The name our writes carry in managedFields: one manager for every server-side apply. */
  fieldManager: 'celeriac-operator',

  /**
   * Per-key retry backoff of the workqueue. controller-runtime starts at 5 ms and caps at 1000 s;
   * the cap is too long for queues whose stream a user can fix at any time, so 5 minutes.
   */
  queueBackoff: { baseMs: 5, maxMs: 5 * 60_000 } satisfies BackoffPolicy,

  /** Informer restart after a failure: 500 ms covers a blip, 30 s bounds staleness in an outage. */
  informerRestartBackoff: { baseMs: 500, maxMs: 30_000 } satisfies BackoffPolicy,

  /**
   * Reconciles run concurrently for different keys (never for the same key), per controller.
   * They wait on the API server and NATS, not the CPU, and every write takes a token from the
   * write limit below, so more workers do not mean more writes per second. Measured
   * (docs/benchmarks.md, "Operator at scale", 2-core machine shared with other test runs):
   * with 1,000 queues + 1,000 autoscaled pools, 4 workers could not keep the autoscaler's
   * 1 s poll (2,269 NATS requests/s instead of the 3,000 a full poll takes; reaction p99 3.7 s,
   * all Ready 200 s), 16 did (3,001 requests/s, reaction p99 2.0 s, all Ready 119 s). The
   * autoscaler must finish 1,000 reconciles a second: about 16 ms each at 16 workers. At 100 + 100
   * the values 2, 4 and 8 did not separate beyond the machine's noise.
   */
  workers: 16,

  /**
   * A client-side limit on the operator's writes to the API server (applies, status, replicas;
   * Events use what is left), as controller-runtime's QPS and Burst. Not their 20/30: a queue and
   * its pool take at least five writes to become Ready (finalizer, queue status, Deployment,
   * replicas, pool status), so 1,000 of each within 30 s needs about 170 writes/s. 200/s with a
   * burst of 400 allows that and still turns a mass change into a bounded stream rather than
   * thousands of writes at once (the API server's default in-flight limit for writes is 200).
   * Reads (lists, watches) are not limited, nor are Lease renewals: a leader must never lose its
   * lease waiting behind its own writes.
   */
  writeQps: 200,
  writeBurst: 400,

  /**
   * At most one Event per object and reason per 10 s (Kubernetes' event correlator allows a
   * burst of 25 per source and object, then one per 5 minutes): a pool flapping between 2 and 3
   * replicas each poll writes one Scaled Event per 10 s, with the count held back in its message.
   */
  eventWindowMs: 10_000,

  /**
   * Every key is reconciled again this often even without events: JetStream is not watched, so
   * drift there (a stream deleted or edited by hand) is only seen on a resync.
   */
  resyncPeriodMs: 60_000,

  /**
   * Leader election, as client-go's defaults for controllers: a lease lasts 15 s, the leader
   * renews every 2 s and stops acting if it could not renew for 10 s, which is before any other
   * replica may take over (15 s after it last saw the lease change).
   */
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;
