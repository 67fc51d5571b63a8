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
   * They wait on the API server and NATS, not the CPU. Measured (docs/benchmarks.md, "Operator at
   * scale", 2-core machine shared at load 15 to 26, one run each): a mass apply of 100 queues +
   * 100 pools was Ready in 92 s with 2, 51 s with 4, 67 s with 8; after a leader kill with 200 +
   * 200, bursts were acted on 10.4 s (2), 11.2 s (4) and 7.9 s (8) after the kill. 2 was the
   * slowest mass apply; 4 and 8 did not separate beyond this machine's noise, and 4 keeps fewer
   * requests in flight against an API server and NATS that a mass change already keeps busy.
   */
  workers: 4,

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
