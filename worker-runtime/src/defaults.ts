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
   * Read-ahead without a `prefetch` (worker/read-ahead.ts): the slots plus what the worker starts
   * in this window at its recent rate. 100 ms covers a pull round trip (about 1 ms) a hundred
   * times over, and a buffered task, whose ack wait runs while it waits, starts about this soon.
   */
  readAheadWindowMs: 100,
  /**
   * At most this many beyond the slots. A pull costs the server about 0.4 ms of CPU whatever its
   * size (a subscription made and dropped, the request kept): pulls of 32 at concurrency 1 cost it
   * 44 µs per no-op task against 35 µs for pulls of 82 or more (docs/benchmarks.md, "Fewer,
   * larger pulls"). Pulls are of half the read-ahead at least, so 256 lets a fast worker pull 128
   * at a time; the window still bounds what it holds by time, so a slow task is not hoarded.
   */
  readAheadMaxExtra: 256,
  /** The read-ahead follows the rate this often: quick enough for a burst, no cost per task. */
  readAheadIntervalMs: 250,
  /**
   * A worker's first look at its rate: until then it pulls its slots only, one round trip per
   * task at concurrency 1, so a pod started on a backlog is slow for this long.
   */
  readAheadFirstTickMs: 50,
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
  /**
   * After a fast batch of result records is refused or ends early (client/fast-batch.ts), records
   * go one by one this long before batches are tried again: a bucket whose batches were switched
   * off, or that is full, would otherwise cost every turn a batch and then each record again.
   */
  fastBatchPauseMs: 60_000,
  /**
   * A starting worker reads the cancels already stored before it takes a task; a bucket this slow
   * to read (a server in trouble) gets a warning, and the worker starts anyway: tasks admitted
   * meanwhile are still stopped when their cancel arrives.
   */
  cancelWatchInitialMs: 5_000,
  /** How long `handle.result()` waits unless told otherwise. */
  resultTimeoutMs: 60_000,
  /** Dead letters are kept two weeks: time to notice, fix and replay. */
  deadLetterMaxAgeMs: 14 * 24 * 60 * 60_000,
  /**
   * Writes of one dead letter before the task is terminated without one (the result record says
   * so). Enough to ride out a leader election or a slow ack; unbounded, a dead letter that can
   * never be written would be redelivered for ever.
   */
  deadLetterWriteAttempts: 3,
  /** First wait between those writes, doubling: 0.5 + 1 s, well inside the 30 s ack wait. */
  deadLetterRetryDelayMs: 500,
  /**
   * The server's bound on deliveries of one task (the consumer's max_deliver), whatever the worker
   * does. It must exceed any task's maxAttempts plus the handbacks a task can see (a nak on each
   * shutdown, on a lost result write): 100 leaves room for both, and still ends a message that
   * kills its worker every time. At the bound, a worker dead-letters it (reason max-deliveries).
   */
  maxDeliveries: 100,
  /**
   * Drain after an uncaught exception: short, since the process is in an unknown state; running
   * tasks get this long to finish, the rest are handed back. Well under the SIGTERM drain.
   */
  crashDrainTimeoutMs: 5_000,
  /**
   * `Worker.start()` looks for its queue again after this, doubling up to the cap below: the
   * operator creates a queue within a second or two of its TaskQueue, and a worker started with it
   * should not wait much longer; 5 s between looks keeps a long wait cheap and its log quiet.
   */
  queueWaitInitialDelayMs: 200,
  queueWaitMaxDelayMs: 5_000,
  /** Consume loop restarts back off up to this, so a missing stream does not spin the CPU. */
  consumeRestartMaxDelayMs: 10_000,
  /**
   * A consumer lookup or pull that failed for any other reason than "not found" (JetStream still
   * recovering, an election, a timeout) is retried after at most this: the worker must consume
   * again within a second or two of its server (test/chaos/nats-restart asserts < 10 s).
   */
  consumerRetryMaxDelayMs: 500,
  /** A pull waits this long for messages on an idle queue, then the worker asks again (nats.js's own default). */
  pullExpiresMs: 30_000,
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
  /**
   * Workers publish their status (and task names) this often: the autoscaler's throughput signal
   * and the peers' registry of who runs what both live on it; one small message a second per pod.
   */
  heartbeatIntervalMs: 1_000,
  /**
   * A task this worker does not know is handed back for this long (from the first time any worker
   * found it unknown) while no live worker announces it. A rolling upgrade replaces pods within
   * minutes (a Deployment's progressDeadlineSeconds is 10 min); a new pod that crash-loops for a
   * while should find its tasks still queued, and a task no version knows must not wait forever.
   */
  unknownTaskGraceMs: 10 * 60_000,
  /**
   * Hand-backs of one task that are immediate. Old and new pods share one consumer, and each
   * delivery goes to whichever pod's pull is next, so a task may land on old pods a few times in
   * a row (measured: 4 old and 1 new worker, the new one won about one delivery in five); a copy
   * costs about a millisecond, a pause seconds. After these, pauses begin, so a queue served only
   * by pods that lack the task passes it round at a bounded rate, not in a hot loop.
   */
  unknownTaskFreeHandoffs: 8,
  /** The first pause after the free hand-backs; it doubles per hand-back up to the max. */
  unknownTaskHandoffPauseMs: 250,
  unknownTaskHandoffMaxPauseMs: 5_000,
  /**
   * The longest pause while a live worker announces the task: that worker is busy (its pulls
   * are taken), and a longer pause leaves it idle once free while the task sits out the pause on
   * an old pod (measured, 1 new worker at concurrency 1 and 4 old ones, 20 tasks of 20 ms: 11 s
   * with a 1 s cap, 3.5 s at 250 ms). Costs at most four copies a second per task an old pod holds.
   */
  unknownTaskLivePeerMaxPauseMs: 250,
  /**
   * An isolated task's thread or process must have imported its module within this, or it is
   * killed and the attempt waiting for it fails (retried per policy). Importing an app's task
   * module takes well under a second (docs/benchmarks.md, isolation); a minute is a hung import.
   */
  isolatedRunnerStartTimeoutMs: 60_000,
  /**
   * Rate-limit windows (docs/concepts.md, "Rate limits"). Windows are cut by each worker's clock,
   * so pods' clock skew (NTP keeps it to a few ms) shifts window edges by that much: a window much
   * shorter than 100 ms would make the skew a visible share of it.
   */
  rateLimitMinPeriodMs: 100,
  /** The longest window; a window's counter must outlive it, so the counter stream keeps entries this long plus a minute. */
  rateLimitMaxPeriodMs: 60 * 60_000,
  /**
   * Tasks one worker holds while they wait for rate-limit tokens (without a slot, their ack
   * deadline kept alive) before it stops pulling. Tasks of other tasks behind them in the queue are
   * not slowed while a worker's backlog of limited tasks stays under this; it bounds the memory a
   * worker spends on waiting payloads.
   */
  rateLimitMaxHeld: 200,
  /** After a failed counter request (server away), ask again after this long; the tasks keep waiting. */
  rateLimitRetryMs: 1_000,
  /** A starting worker reads the limits already stored before it takes a task, or starts after this, warning. */
  rateLimitWatchInitialMs: 5_000,
  /**
   * Life of a per-key concurrency slot (key-concurrency/) without a renewal: the bound within
   * which the slots of a worker that died (SIGKILL, node loss) are free again. The holder renews
   * every third of it, so two lost renewals in a row never cost a live task its slot. Half the
   * default ack wait: a dead pod's slots are free before its tasks are redelivered.
   */
  concurrencySlotTtlMs: 15_000,
  /**
   * A task whose key has no free slot waits this long in its worker slot, woken the moment a
   * slot of its key is freed, then is handed back. Long enough that a key whose tasks take a
   * second or two passes its slots on without a copy; short enough that a full key holds the
   * worker's other work back by at most this.
   */
  keyWaitMs: 2_000,
  /**
   * The hand-back of a task still waiting for its key is a server-side schedule this far ahead,
   * doubling per hand-back of the task (jittered) up to the max: it costs no attempt or delivery.
   * A small backlog is tried again soon, so the key's slots do not idle while its tasks sit out a
   * delay (one key, limit 2, 40 tasks of 100 ms: see docs/concepts.md); a large one settles at
   * one copy per task per 11 s on average (15 s, jittered down by up to half), so
   * 10,000 tasks of a full key cost ~900 copies a second, not 10,000.
   */
  keyHandbackDelayMs: 250,
  keyHandbackMaxDelayMs: 15_000,
  /**
   * Share of pulls (percent) a priority level yields to the levels below it while they have work
   * (lanes/picker.ts): 10 % keeps a low level moving under a steady flood of urgent work, which
   * still gets nine pulls in ten. 0 is strict priority, where low levels can starve.
   */
  laneLowSharePercent: 10,
  /**
   * A producer re-reads a queue's lanes after this: a TaskQueue whose priorities or fairness
   * change is followed within half a minute, for one small request per queue per half minute.
   */
  laneLayoutCacheMs: 30_000,
  /**
   * A worker looks whether its queue's lanes changed this often (one stream-info request), so a
   * TaskQueue's new priorities or fairness reach running workers as fast as producers see them.
   */
  laneLayoutCheckMs: 30_000,
  /**
   * Tasks a worker holds per lane at least (lanes/dispatcher.ts): with one, the lane is empty
   * while its refill is on the way and a free slot goes to a lower level meanwhile; two keep the
   * next one at hand. A queue with 64 lanes holds 128 tasks per worker at most.
   */
  laneHeldMin: 2,
  /**
   * How long a free slot waits for the next task of a lane it picked whose buffer just emptied
   * while the server said it had more: a round trip (under a millisecond on a quiet network, a
   * few on a busy one). Past it the slot picks again, so a refill lost to another worker costs
   * at most this much of one slot.
   */
  laneRefillWaitMs: 25,
  /**
   * How often an isolated child process checks that its worker is still its parent; once it is
   * not (the worker was SIGKILLed), the child kills itself. A check is one getppid() call in a
   * thread of its own (the thread costs about 17 MiB of RSS per child, docs/operations.md); half a
   * second bounds how long an orphan spins on the CPU the pod's next worker needs.
   */
  isolatedOrphanCheckMs: 500,
  /**
   * A cancelled isolated task whose handler has not returned this long after its signal fired is
   * killed (its record says `cancelled`), rather than running on to its hard limit, which may be
   * hours away. Two seconds lets a handler that heeds its signal close a file or roll back; one
   * that needs longer to clean up should not be killable at all (run it in-process).
   */
  isolatedCancelGraceMs: 2_000,
} as const;
