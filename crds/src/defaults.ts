/**
 * Every default of the two custom resources, in one place, each with the reason it is what it is.
 * The schema definitions put these into the CRDs, so the API server fills them in and the operator
 * always reads complete objects. The runtime's own defaults (worker-runtime/src/defaults.ts) use
 * the same values for the fields both know.
 */
export const TASK_QUEUE_DEFAULTS = {
  /** Queued tasks survive a NATS restart; Memory is an explicit choice for throwaway queues. */
  storage: 'File',
  /** One copy works on a single nats-server; clustered installs set 3. */
  replicas: 1,
  /** At a limit, refuse new enqueues (the producer sees an error) rather than delete queued tasks. */
  discard: 'New',
  retry: {
    /** A handful of retries rides out a minute-long outage with backoff (Celery users expect it). */
    maxAttempts: 5,
    /** Exponential: transient failures clear fast, a failing dependency is not hammered. */
    type: 'exponential',
    /** First retry after 1 s: long enough not to hammer, short enough to feel instant. */
    delay: '1s',
    /** Capped so a transient failure never parks a task for hours. */
    maxDelay: '5m',
    /** Spreads retries of a burst that failed together. */
    jitter: true,
  },
  /** Only matters when a worker dies mid-task: running tasks extend their deadline while they work. */
  ackWait: '30s',
  /** JetStream's max_ack_pending across all workers; high enough never to throttle a pool at maxReplicas. */
  maxInFlight: 10_000,
  deadLetter: {
    /** Without a dead-letter stream a task that exhausts its attempts is lost. */
    enabled: true,
    /** Two weeks: time to notice, fix and replay. */
    maxAge: '336h',
  },
  results: {
    /** Most apps want `await handle.result()` to work; off saves a KV write per task. */
    enabled: true,
    /** A day: long enough to fetch, short enough that the bucket never grows unbounded. */
    ttl: '24h',
  },
  /** JetStream's own default: two enqueues with one idempotency key within it run once. */
  dedupeWindow: '2m',
  /** Deleting a TaskQueue object must never silently destroy queued tasks. */
  deletionPolicy: 'Retain',
} as const;

export const WORKER_POOL_DEFAULTS = {
  /** I/O-bound handlers (the common case) overlap well at 16 per process. */
  concurrency: 16,
  /** Kubernetes' default grace period; the pod's terminationGracePeriodSeconds is derived from it. */
  drainTimeout: '30s',
  autoscaling: {
    enabled: true,
    /** An idle queue costs nothing: scale to zero, wake on the first task. */
    minReplicas: 0,
    /** A safe ceiling for a typical app; raise it on purpose. */
    maxReplicas: 10,
    /** Any waiting task wakes a pool at zero (KEDA's activationLagThreshold default). */
    activationBacklog: 0,
    /** Grow fast: a burst should not wait (HPA's scale-up default: +100% or +4 pods per 15 s, no window). */
    scaleUp: { stabilizationWindow: '0s', maxStepReplicas: 4, maxStepPercent: 100, period: '15s' },
    /**
     * Shrink slowly: task traffic is bursty and a pod that just drained would be needed again.
     * Two minutes of lower demand, then at most half the pods (or one) every 30 s.
     */
    scaleDown: { stabilizationWindow: '2m', maxStepReplicas: 1, maxStepPercent: 50, period: '30s' },
    /** The last pod stays five minutes after the queue empties (KEDA's cooldownPeriod default). */
    scaleToZeroCooldown: '5m',
    /** One JetStream consumer info per second per pool is cheap and makes scale-up feel immediate. */
    pollInterval: '1s',
  },
} as const;

/**
 * Target backlog per replica when `autoscaling.targetBacklogPerReplica` is unset: one pod's
 * concurrency. Backlog counts tasks running (ack pending) and waiting, so at this target every
 * pod is busy and nothing waits; a fixed number would misfit pools with very different concurrency.
 */
export function defaultTargetBacklogPerReplica(concurrency: number): number {
  return concurrency;
}
