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
   * Reconciles run concurrently for different keys (never for the same key). Reconciles wait on
   * the API server and NATS, not the CPU, so two workers hide latency without crowding 2 cores.
   */
  workers: 2,

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
