import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { pino, type Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { TaskTimeoutError } from '../errors.ts';
import { assertQueueName, queueNames } from '../protocol.ts';
import { ResultStore } from '../results.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from '../retry.ts';
import type { TaskDefinition } from '../task.ts';
import { ConsumeLoop } from './consume-loop.ts';
import { InFlight } from './in-flight.ts';
import { WorkerMetrics } from './metrics.ts';
import { AckBatch } from './ack-batch.ts';
import { runTask, type RegisteredTask, type RunDeps } from './run-task.ts';
import { Semaphore } from './semaphore.ts';
import { WorkerHeartbeat } from './heartbeat.ts';

export interface WorkerOptions {
  queue: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  tasks: ReadonlyArray<TaskDefinition<any, any>>;
  /** Tasks run at once by this process. */
  concurrency?: number;
  /** Messages pulled ahead; default = concurrency, so an idle pod is never starved by a busy one's hoard. */
  prefetch?: number;
  /** Retry policy for tasks that define none (the TaskQueue's default). */
  defaultRetry?: RetryPolicy;
  /** Per-attempt time limit for tasks that define none. */
  defaultTimeoutMs?: number;
  /** Write result records (off when the queue has results off). Default: on if the bucket exists. */
  results?: boolean;
  maxPayloadBytes?: number;
  /** Name reported in heartbeats (the pod name in Kubernetes). */
  name?: string;
  /** Publish a status heartbeat every this many ms (in-flight, completions) for the autoscaler; 0 = off. */
  heartbeatIntervalMs?: number;
  logger?: Logger;
  /** Include Node process metrics in `metrics.registry` (the CLI does). */
  processMetrics?: boolean;
}

/**
 * Pulls tasks of one queue from JetStream and runs their handlers with bounded concurrency.
 * `start()` begins consuming; `close()` drains gracefully (see README: graceful shutdown).
 */
export class Worker {
  readonly queue: string;
  readonly metrics: WorkerMetrics;
  readonly concurrency: number;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly tasks = new Map<string, RegisteredTask>();
  private readonly slots: Semaphore;
  private readonly shutdown = new AbortController();
  private readonly acks = new AckBatch();
  private readonly releaseSlot = () => this.slots.release();
  private readonly log: Logger;
  private readonly opts: WorkerOptions;
  private loop: ConsumeLoop | undefined;
  private inFlight: InFlight | undefined;
  private results: ResultStore | undefined;
  private heartbeat: WorkerHeartbeat | undefined;
  private consuming = false;
  private connected = true;
  private closing: Promise<void> | undefined;
  private completed = 0;
  private resolveClosed!: () => void;
  /** Resolves once the worker has stopped. */
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  constructor(nc: NatsConnection, opts: WorkerOptions) {
    assertQueueName(opts.queue);
    this.nc = nc;
    this.js = jetstream(nc);
    this.opts = opts;
    this.queue = opts.queue;
    this.concurrency = opts.concurrency ?? DEFAULTS.concurrency;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    this.slots = new Semaphore(this.concurrency);
    this.log = opts.logger ?? pino({ name: 'celeriac-worker' });
    this.metrics = new WorkerMetrics(opts.queue, { processMetrics: opts.processMetrics ?? false, inFlight: () => this.slots.inUse });
    const base = opts.defaultRetry ?? DEFAULT_RETRY_POLICY;
    for (const def of opts.tasks) {
      if (this.tasks.has(def.name)) throw new Error(`task ${def.name} registered twice`);
      this.tasks.set(def.name, {
        def,
        retry: resolveRetryPolicy(def.options.retry, base),
        timeoutMs: def.options.timeoutMs ?? opts.defaultTimeoutMs ?? DEFAULTS.taskTimeoutMs,
        trackStarted: def.options.trackStarted ?? false,
        metrics: this.metrics.task(def.name),
      });
    }
  }

  /** True while a consume loop is alive and the connection is up: the readiness probe. */
  get ready(): boolean {
    return this.consuming && this.connected && !this.nc.isClosed() && !this.shutdown.signal.aborted;
  }

  get inFlightCount(): number {
    return this.slots.inUse;
  }

  get completedCount(): number {
    return this.completed;
  }

  async start(): Promise<void> {
    if (this.loop) throw new Error('worker already started');
    const names = queueNames(this.queue);
    const jsm = await jetstreamManager(this.nc);
    // The consumer's ack wait decides how often running tasks must say `working()`.
    const info = await jsm.consumers.info(names.stream, names.consumer);
    const ackWaitMs = info.config.ack_wait ? info.config.ack_wait / 1_000_000 : DEFAULTS.ackWaitMs;
    let results: ResultStore | undefined;
    if (this.opts.results !== false) {
      results = new ResultStore(this.nc, this.queue);
      if (!(await results.kv())) {
        if (this.opts.results === true) throw new Error(`queue ${this.queue} has no result bucket`);
        results = undefined;
      }
    }
    const deadLetters = await jsm.streams.info(names.deadLetterStream).then(
      () => true,
      () => false,
    );
    if (!deadLetters) this.log.warn({ queue: this.queue }, 'queue has no dead-letter stream; failed tasks will only be terminated');
    this.inFlight = new InFlight(ackWaitMs, (t) => new TaskTimeoutError(`task ${t.task} timed out after ${Date.now() - t.startedAt} ms`));
    this.results = results;
    const deps: RunDeps = {
      queue: this.queue,
      tasks: this.tasks,
      js: this.js,
      results,
      inFlight: this.inFlight,
      acks: this.acks,
      metrics: this.metrics,
      log: this.log,
      maxPayloadBytes: this.opts.maxPayloadBytes ?? DEFAULTS.maxPayloadBytes,
      deadLetters,
      shutdown: this.shutdown.signal,
      onCompleted: () => this.completed++,
    };
    const dispatch = (m: JsMsg) => runTask(m, deps, this.releaseSlot);
    this.loop = new ConsumeLoop(jetstream(this.nc, { timeout: DEFAULTS.consumerLookupTimeoutMs }), {
      stream: names.stream,
      consumer: names.consumer,
      prefetch: this.opts.prefetch ?? this.concurrency,
      idleHeartbeatMs: DEFAULTS.idleHeartbeatMs,
      log: this.log,
      onActive: (active) => (this.consuming = active),
      onMessage: (m) => {
        if (this.shutdown.signal.aborted) {
          m.nak(); // pulled but never started: hand it straight back
          return;
        }
        if (this.slots.tryAcquire()) return dispatch(m);
        return this.slots.acquire().then(() => {
          if (this.shutdown.signal.aborted) {
            this.slots.release();
            m.nak();
            return;
          }
          dispatch(m);
        });
      },
    });
    void this.watchConnection();
    const interval = this.opts.heartbeatIntervalMs ?? 1000;
    if (interval > 0) {
      this.heartbeat = new WorkerHeartbeat(this.nc, this.queue, interval, () => ({
        name: this.opts.name ?? 'worker',
        inFlight: this.slots.inUse,
        concurrency: this.concurrency,
        completed: this.completed,
        ready: this.ready,
      }));
    }
    this.log.info({ queue: this.queue, tasks: [...this.tasks.keys()], concurrency: this.concurrency }, 'worker started');
  }

  /** A pull consumer cannot deliver while disconnected: readiness must say so, not wait for a timeout. */
  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.loop?.restart();
      }
    }
  }

  /**
   * Graceful shutdown: stop pulling, let running tasks finish until `drainTimeoutMs`, then abort
   * and nak the rest so another worker picks them up at once instead of after the ack wait.
   */
  close(drainTimeoutMs: number = DEFAULTS.drainTimeoutMs): Promise<void> {
    this.closing ??= (async () => {
      const deadline = Date.now() + drainTimeoutMs;
      const running = this.slots.inUse;
      this.log.info({ inFlight: running, drainTimeoutMs }, 'worker draining');
      this.shutdown.abort();
      this.inFlight?.abortAll(new Error('worker shutting down'));
      this.consuming = false;
      await this.loop?.stop();
      // Handlers first; then the tasks whose result record is still being written, which no
      // longer hold a slot but are not acked until their record is stored.
      const idle = (await this.slots.idle(deadline)) && (await (this.inFlight?.drained(deadline) ?? true));
      let handedBack = 0;
      if (!idle) {
        for (const t of this.inFlight?.tasks ?? []) {
          if (t.settled) continue;
          t.settled = true;
          t.abort(new Error('drain deadline passed'));
          t.msg.nak();
          handedBack++;
        }
      }
      this.inFlight?.close();
      // After the drain: records still unacknowledged now belong to tasks already handed back.
      this.results?.close();
      await this.heartbeat?.close();
      // Acks and naks are fire-and-forget: make sure they left before the process exits.
      this.acks.flush();
      if (!this.nc.isClosed()) await this.nc.flush().catch(() => undefined);
      this.log.info({ handedBack, completed: this.completed }, 'worker stopped');
      this.resolveClosed();
    })();
    return this.closing;
  }
}
