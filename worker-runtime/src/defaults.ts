/**
 * Every default of the runtime, in one place, each with the reason it is what it is.
 * The operator derives the same values for the JetStream objects it creates from these.
 */
export const DEFAULTS = {
  /** Celery and BullMQ users expect a handful of retries; 5 rides out a minute-long outage with backoff. */
  maxAttempts: 5,
  /** First retry after 1 s: long enough not to hammer a failing dependency, short enough to feel instant. */
  backoffDelayMs: 1_000,
  /** Exponential backoff is capped so a task is never parked for hours by a transient failure. */
  backoffMaxDelayMs: 5 * 60_000,
  /** Tasks per worker process at once: I/O-bound handlers (the common case) overlap well at 16. */
  concurrency: 16,
  /**
   * A hung handler must free its slot eventually; long tasks set their own timeout. The worker
   * extends the ack deadline (`working()`) while a task runs, so this, not ackWait, bounds a task.
   */
  taskTimeoutMs: 5 * 60_000,
  /** JetStream redelivers an unacked task after this; it only matters when a worker dies. */
  ackWaitMs: 30_000,
  /** SIGTERM drain: matches Kubernetes' default 30 s grace period minus time to nak and exit. */
  drainTimeoutMs: 25_000,
  /** Results live a day: long enough to fetch, short enough that the bucket never grows unbounded. */
  resultTtlMs: 24 * 60 * 60_000,
  /** NATS' own default max_payload; larger payloads belong in object storage, passed by reference. */
  maxPayloadBytes: 1024 * 1024,
  /** JetStream's default dedupe window: two enqueues with one idempotency key within it run once. */
  duplicateWindowMs: 2 * 60_000,
  /** A publish ack slower than this means the server is unwell; the enqueue fails rather than hangs. */
  publishTimeoutMs: 10_000,
  /**
   * Result records one worker may have in flight while their tasks' slots already run the next
   * tasks. A record takes one round trip (about a millisecond); at 50k tasks/s that is ~50 in
   * flight. Past this cap (a slow or stalled server) a finished task keeps its slot until its
   * record is stored, so waiting records stay bounded, as they were when every write held a slot.
   */
  resultsInFlightMax: 1_000,
  /** How long `handle.result()` waits unless told otherwise. */
  resultTimeoutMs: 60_000,
  /** Dead letters are kept two weeks: time to notice, fix and replay. */
  deadLetterMaxAgeMs: 14 * 24 * 60 * 60_000,
  /** Consume loop restarts back off up to this, so a missing stream does not spin the CPU. */
  consumeRestartMaxDelayMs: 10_000,
  /**
   * Idle heartbeat of the pull consumer. A pull request lost with its consumer leader (a NATS
   * node dies, the client's own connection stays up) is only noticed by missed heartbeats: two
   * to re-pull, three to recreate the consume. At 1 s that takes about 3 s, less than a new
   * leader's election (about 5 s), instead of 10 to 15 s after it (test/chaos/nats-cluster); the
   * cost is one tiny message a second per idle worker.
   */
  idleHeartbeatMs: 1_000,
  /**
   * The consume loop's consumer lookups. Unanswered means no consumer leader (an election after
   * a node loss): asking again every 2 s finds the new leader sooner than the client's usual 5 s
   * request timeout would.
   */
  consumerLookupTimeoutMs: 2_000,
} as const;
