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
  /**
   * JetStream's max_deliver: a bound the server keeps even if no worker ever settles a task.
   * Far above retry.maxAttempts' default (every retry is a delivery), so it only stops loops.
   */
  maxDeliveries: 100,
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
  /**
   * A rolling upgrade replaces pods within minutes (a Deployment's progress deadline is 10 min):
   * a task only new pods know waits that long for one to come back before it is dead-lettered.
   */
  unknownTaskGracePeriod: '10m',
  /**
   * spec.priorities.lowShare: a level yields 10 % of pulls to lower levels while they have work,
   * so low levels keep moving under a flood (the runtime's DEFAULTS.laneLowSharePercent).
   */
  priorityLowShare: 10,
} as const;

export const WORKER_POOL_DEFAULTS = {
  /** I/O-bound handlers (the common case) overlap well at 16 per process. */
  concurrency: 16,
  /** Kubernetes' default grace period; the pod's terminationGracePeriodSeconds is derived from it. */
  drainTimeout: '30s',
  /**
   * The autoscaler's reasons for each value are in operator/src/autoscale/policy.ts
   * (DEFAULT_SCALING_POLICY); these must stay equal to it, except minReplicas (see there).
   */
  autoscaling: {
    enabled: true,
    /** An idle queue costs nothing: scale to zero, wake on the first task (the lead's call for the CRD). */
    minReplicas: 0,
    /** A bound on cost and on the load a burst puts on what the tasks call; raise it on purpose. */
    maxReplicas: 10,
    /** KEDA's lagThreshold default; below the default concurrency so a replica at target has free slots. */
    targetBacklogPerReplica: 10,
    /** Any waiting task wakes a pool at zero (KEDA's activationLagThreshold default). */
    activationBacklog: 0,
    /** Grow at once: the backlog is exact, not a noisy CPU sample. No step limit by default. */
    scaleUp: { stabilizationWindow: '0s' },
    /** Longer than a minute, so a job every minute keeps its workers between runs. */
    scaleDown: { stabilizationWindow: '90s' },
    /** Two quiet minutes before the last pod goes; activation brings the pool back within a poll. */
    scaleToZeroCooldown: '2m',
    /** A burst is seen within a second; one consumer info per second is negligible load. */
    pollInterval: '1s',
  },
} as const;
