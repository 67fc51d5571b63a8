/** Every default of the dashboard, with the reason for its value. */
export const DASHBOARD_DEFAULTS = {
  /** Port of the HTTP server; the chart's Service targets it. */
  port: 8080,
  /**
   * One read of every queue's JetStream numbers per second: the same cadence as worker heartbeats,
   * so a draining backlog moves visibly, and the load on NATS is 3 requests per queue per second
   * whatever the number of viewers (docs/cockpit.md "Load on NATS").
   */
  pollMs: 1_000,
  /** TaskQueues and WorkerPools change rarely; their list is re-read every 5 s. */
  objectsRefreshMs: 5_000,
  /** With no page, API call or live stream for this long, the poll loop stops: an idle dashboard costs NATS nothing. */
  idleAfterMs: 30_000,
  /** Samples kept per queue for the rate charts: two minutes at one per second. */
  historySamples: 120,
  /** Dead letters shown as a queue's recent failures. */
  recentFailures: 10,
  /** Dead letters listed per page. */
  deadLetterPage: 50,
  /** Tasks listed per page of the task list by state. */
  taskPage: 50,
  /**
   * Result records one page of the task list reads at most to fill itself: the bucket has no
   * index by state, so a rare state pages on instead of reading a whole bucket per request.
   */
  taskScanLimit: 2_000,
  /**
   * TokenReview and SubjectAccessReview answers are kept this long per token and question: a
   * page view asks several, and an overview refreshed every second would ask them again each time.
   * A revoked RoleBinding takes effect within this time.
   */
  reviewCacheMs: 10_000,
  /** A dashboard gives up on an unreachable NATS quickly and shows the queue's status instead. */
  natsConnectTimeoutMs: 5_000,
  /** Longest request body (forms, JSON): enqueue payloads are small test tasks. */
  maxBodyBytes: 64 * 1024,
} as const;
