import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { CancelledError, TaskTimeoutError } from '../errors.ts';
import { CancelWatch } from '../cancel/watch.ts';
import { assertQueueName, queueNames } from '../protocol.ts';
import { ResultStore } from '../results.ts';
import type { RetryPolicy } from '../retry.ts';
import type { TaskDefinition } from '../task.ts';
import { ConsumeLoop } from './consume-loop.ts';
import { InFlight } from './in-flight.ts';
import { WorkerMetrics } from './metrics.ts';
import { AckBatch } from './ack-batch.ts';
import { EndOfTurn } from '../end-of-turn.ts';
import { ReadAhead } from './read-ahead.ts';
import { runTask, type RegisteredTask, type RunDeps } from './run-task.ts';
import { Semaphore } from './semaphore.ts';
import { isNotFound } from '../topology/ensure-queue.ts';
import { WorkerHeartbeat } from './heartbeat.ts';
import { MaxDeliveriesListener } from './max-deliveries.ts';
import { PeerWatch } from './peers.ts';
import { registerTasks } from './registry.ts';
import { Isolation } from '../isolation/isolation.ts';
import { WorkflowSteps } from '../workflows/advance.ts';
import { openRateGate, type RateGate } from '../rate-limit/open.ts';
import { KeySlots } from '../key-concurrency/slots.ts';
import { LaneDispatcher } from '../lanes/dispatcher.ts';
import { decodeLaneLayout, type LaneLayout } from '../lanes/layout.ts';
import { LaneLayoutWatch } from '../lanes/layout-watch.ts';

export interface WorkerOptions {
  queue: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every payload type
  tasks: ReadonlyArray<TaskDefinition<any, any>>;
  /** Tasks run at once by this process. */
  concurrency?: number;
  /**
   * Messages pulled ahead, fixed. Default: the concurrency plus what this worker starts in 100 ms
   * at its recent rate, at most 64 more (worker/read-ahead.ts): short tasks never wait for a pull,
   * slow ones are not hoarded while an idle pod could run them.
   */
  prefetch?: number;
  /** Retry policy for tasks that define none (the TaskQueue's default). */
  defaultRetry?: RetryPolicy;
  /** Per-attempt time limit for tasks that define none. */
  defaultTimeoutMs?: number;
  /**
   * Hard time limit for tasks that define none (must exceed defaultTimeoutMs); applies to a task
   * only where it exceeds the task's soft limit. See docs/concepts.md, time limits and isolation.
   */
  defaultHardTimeLimitMs?: number;
  /** Write result records (off when the queue has results off). Default: on if the bucket exists. */
  results?: boolean;
  maxPayloadBytes?: number;
  /** Name reported in heartbeats (the pod name in Kubernetes). */
  name?: string;
  /**
   * Publish a status heartbeat every this many ms (in-flight, completions, task names) for the
   * autoscaler and for peers deciding about tasks they do not know; 0 = off (this worker is then
   * invisible to its peers). Default 1 s.
   */
  heartbeatIntervalMs?: number;
  /**
   * How long a task no live worker of the queue knows is handed back before it is dead-lettered
   * as `unknown-task`, from the first time a worker found it unknown (the TaskQueue's
   * `unknownTaskGracePeriod`; env CELERIAC_UNKNOWN_TASK_GRACE_MS). See docs/operations.md.
   */
  unknownTaskGraceMs?: number;
  /**
   * How often the worker looks whether the queue's lanes (priorities, fairness) changed, and
   * then pulls from the new ones without a restart. Default DEFAULTS.laneLayoutCheckMs (30 s).
   */
  lanesCheckIntervalMs?: number;
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
  private readonly tasks: ReadonlyMap<string, RegisteredTask>;
  private readonly slots: Semaphore;
  private readonly shutdown = new AbortController();
  /** One flush per event-loop turn for acks and result records: one socket write (end-of-turn.ts). */
  private readonly endOfTurn = new EndOfTurn();
  private readonly acks = new AckBatch(this.endOfTurn);
  private readonly releaseSlot = () => this.slots.release();
  private readonly log: Logger;
  private readonly opts: WorkerOptions;
  private loop: ConsumeLoop | LaneDispatcher | undefined;
  private readAhead: ReadAhead | undefined;
  private inFlight: InFlight | undefined;
  private results: ResultStore | undefined;
  private heartbeat: WorkerHeartbeat | undefined;
  private maxDeliveries: MaxDeliveriesListener | undefined;
  private peers: PeerWatch | undefined;
  private cancels: CancelWatch | undefined;
  private readonly isolation: Isolation | undefined;
  private rateGate: RateGate | undefined;
  private keySlots: KeySlots | undefined;
  private laneWatch: LaneLayoutWatch | undefined;
  private started = false;
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
    if (opts.unknownTaskGraceMs !== undefined && !(opts.unknownTaskGraceMs >= 0)) throw new RangeError('unknownTaskGraceMs must be >= 0');
    this.slots = new Semaphore(this.concurrency);
    this.log = opts.logger ?? pino({ name: 'celeriac-worker' });
    this.metrics = new WorkerMetrics(opts.queue, { processMetrics: opts.processMetrics ?? false, inFlight: () => this.slots.inUse });
    this.tasks = registerTasks(opts.tasks, opts, this.metrics);
    this.isolation = Isolation.attach(this.tasks, this.log, { registry: this.metrics.registry, queue: opts.queue });
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

  /**
   * Begins consuming. Waits for the queue to exist first (its stream and consumer, and its result
   * bucket when `results: true`), looking again with a capped backoff and logging while it waits:
   * on Kubernetes the operator may still be creating it. Rejects with an AbortError when `signal`
   * aborts or `close()` is called before the queue appears.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.started) throw new Error('worker already started');
    this.started = true;
    const signal = options.signal ? AbortSignal.any([options.signal, this.shutdown.signal]) : this.shutdown.signal;
    const { ackWaitMs, results, deadLetters, lanes } = await this.waitForQueue(signal);
    // Isolated tasks' modules load before the first pull: one that cannot fails the start, not each task.
    await this.isolation?.warm();
    if (!deadLetters) this.log.warn({ queue: this.queue }, 'queue has no dead-letter stream; failed tasks will only be terminated');
    const interval = this.opts.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs;
    const unknownTaskGraceMs = this.opts.unknownTaskGraceMs ?? DEFAULTS.unknownTaskGraceMs;
    // Listening starts before consuming, so the warm-up runs while the first pull is on its way.
    this.peers = new PeerWatch(this.nc, this.queue, unknownTaskGraceMs, interval > 0 ? interval : DEFAULTS.heartbeatIntervalMs);
    this.inFlight = new InFlight(ackWaitMs, (t) => new TaskTimeoutError(`task ${t.task} timed out after ${Date.now() - t.startedAt} ms`));
    this.results = results;
    const inFlight = this.inFlight;
    // Read before the first pull, so a task cancelled while no worker ran is never started.
    this.cancels = await CancelWatch.open(this.nc, this.queue, this.log, (id, reason) => inFlight.cancel(id, new CancelledError(id, reason)));
    this.keySlots = await KeySlots.openIfLimited(this.nc, this.queue, this.tasks.values(), { owner: this.opts.name ?? 'worker', concurrency: this.concurrency, log: this.log, registry: this.metrics.registry });
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
      maxPayload: () => this.nc.info?.max_payload ?? DEFAULTS.maxPayloadBytes,
      deadLetters,
      shutdown: this.shutdown.signal,
      onCompleted: () => this.completed++,
      peers: this.peers,
      unknownTaskGraceMs,
      ackWaitMs,
      cancels: this.cancels,
      workflows: new WorkflowSteps(this.nc, this.js, this.queue, this.log),
      keySlots: this.keySlots,
    };
    this.maxDeliveries = new MaxDeliveriesListener(this.nc, deps);
    const dispatch = (m: JsMsg) => runTask(m, deps, this.releaseSlot);
    // Limited tasks wait for their tokens before they take a slot (rate-limit/gate.ts).
    this.rateGate = await openRateGate({ nc: this.nc, queue: this.queue, tasks: this.tasks, slots: this.slots, dispatch, shutdown: this.shutdown.signal, ackWaitMs, log: this.log });
    this.startPulling(lanes, ackWaitMs, dispatch);
    void this.watchConnection();
    if (interval > 0) {
      const tasks = [...this.tasks.keys()];
      const instance = randomUUID();
      this.heartbeat = new WorkerHeartbeat(this.nc, this.queue, interval, () => ({
        name: this.opts.name ?? 'worker',
        inFlight: this.slots.inUse,
        concurrency: this.concurrency,
        completed: this.completed,
        ready: this.ready,
        tasks,
        intervalMs: interval,
        instance,
      }));
    }
    this.log.info({ queue: this.queue, tasks: [...this.tasks.keys()], concurrency: this.concurrency }, 'worker started');
  }

  /**
   * Pulls from the queue's one consumer, or from each of its lanes (priorities, fairness: lanes/),
   * and follows a change of lanes (LaneLayoutWatch) by replacing the pull without a restart.
   */
  private startPulling(lanes: LaneLayout | undefined, ackWaitMs: number, dispatch: (m: JsMsg) => void): void {
    const js = jetstream(this.nc, { timeout: DEFAULTS.consumerLookupTimeoutMs });
    const stream = queueNames(this.queue).stream;
    const prefetch = this.opts.prefetch ?? this.concurrency;
    let generation = 0;
    const pullFrom = (layout: LaneLayout | undefined): ConsumeLoop | LaneDispatcher => {
      const current = ++generation;
      // A pull replaced by a change of lanes must not flip readiness on its way out.
      const onActive = (active: boolean) => {
        if (current === generation) this.consuming = active;
      };
      // The read-ahead sizes the single consumer's pulls; lanes split a fixed prefetch instead.
      this.readAhead?.close();
      this.readAhead = undefined;
      if (!layout) return this.singleConsumerLoop(js, prefetch, ackWaitMs, onActive, dispatch);
      // A lane hands over a task with its slot taken; one held for rate-limit tokens gives it back.
      const gated = (m: JsMsg) => (this.rateGate ? void this.rateGate.admit(m, dispatch, { holdsSlot: true }) : dispatch(m));
      const lane = { stream, layout, prefetch, ackWaitMs, slots: this.slots, shutdown: this.shutdown.signal, dispatch: gated, onActive };
      return new LaneDispatcher(js, { ...lane, idleHeartbeatMs: DEFAULTS.idleHeartbeatMs, log: this.log });
    };
    this.loop = pullFrom(lanes);
    const intervalMs = this.opts.lanesCheckIntervalMs ?? DEFAULTS.laneLayoutCheckMs;
    this.laneWatch = new LaneLayoutWatch(this.nc, {
      stream,
      lanes,
      intervalMs,
      log: this.log,
      onChange: (next) => {
        if (this.shutdown.signal.aborted) return;
        const old = this.loop;
        this.loop = pullFrom(next);
        void old?.stop();
      },
    });
  }

  /** The pull of a queue without lanes: its one consumer straight into slots (the fast path). */
  private singleConsumerLoop(js: JetStreamClient, prefetch: number, ackWaitMs: number, onActive: (active: boolean) => void, dispatch: (m: JsMsg) => void): ConsumeLoop {
    const names = queueNames(this.queue);
    // With no prefetch set, the pulls follow the worker's rate (read-ahead.ts).
    const readAhead = (this.readAhead = this.opts.prefetch === undefined ? new ReadAhead(this.concurrency, (size) => loop.resize(size)) : undefined);
    const toSlot = (m: JsMsg): void | Promise<void> => {
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
    };
    const loop = new ConsumeLoop(js, {
      stream: names.stream,
      consumer: names.consumer,
      prefetch,
      ackWaitMs,
      idleHeartbeatMs: DEFAULTS.idleHeartbeatMs,
      log: this.log,
      onActive,
      onMessage: (m) => {
        if (readAhead) readAhead.taken++;
        return this.rateGate ? this.rateGate.admit(m, toSlot) : toSlot(m);
      },
    });
    return loop;
  }

  /** The queue's settings the worker needs, once its stream and consumer (and bucket, if required) exist. */
  private async waitForQueue(signal: AbortSignal): Promise<{ ackWaitMs: number; results: ResultStore | undefined; deadLetters: boolean; lanes: LaneLayout | undefined }> {
    const names = queueNames(this.queue);
    for (let delay: number = DEFAULTS.queueWaitInitialDelayMs; ; delay = Math.min(delay * 2, DEFAULTS.queueWaitMaxDelayMs)) {
      if (signal.aborted) throw stoppedWaiting(this.queue, signal);
      try {
        const jsm = await jetstreamManager(this.nc);
        // The consumer's ack wait decides how often running tasks must say `working()`.
        const info = await jsm.consumers.info(names.stream, names.consumer);
        const results = await this.resultStore();
        if (results !== 'missing') {
          const deadLetters = await jsm.streams.info(names.deadLetterStream).then(
            () => true,
            () => false,
          );
          // The stream's metadata says whether the queue has lanes (priorities, fairness): lanes/layout.ts.
          const lanes = decodeLaneLayout((await jsm.streams.info(names.stream)).config.metadata);
          return { ackWaitMs: info.config.ack_wait ? info.config.ack_wait / 1_000_000 : DEFAULTS.ackWaitMs, results, deadLetters, lanes };
        }
        this.log.info({ queue: this.queue, retryInMs: delay }, 'waiting for the queue result bucket');
      } catch (e) {
        if (isNotFound(e)) this.log.info({ queue: this.queue, retryInMs: delay }, 'waiting for the queue to exist');
        else this.log.warn({ queue: this.queue, retryInMs: delay, error: (e as Error).message }, 'cannot read the queue yet');
      }
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  /** The result store; undefined when results are off; 'missing' when required (`results: true`) but not there yet. */
  private async resultStore(): Promise<ResultStore | undefined | 'missing'> {
    if (this.opts.results === false) return undefined;
    const results = new ResultStore(this.nc, this.queue, this.endOfTurn);
    if (await results.kv()) return results;
    return this.opts.results === true ? 'missing' : undefined;
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
      this.rateGate?.close();
      this.keySlots?.stopWaiting();
      this.inFlight?.abortAll(new Error('worker shutting down'));
      this.consuming = false;
      this.laneWatch?.close();
      this.readAhead?.close();
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
      // After the drain: only runners of attempts already handed back can still be busy.
      this.isolation?.close();
      await this.maxDeliveries?.close();
      // After the drain: records still unacknowledged now belong to tasks already handed back.
      this.results?.close();
      await this.heartbeat?.close();
      this.peers?.close();
      this.cancels?.close();
      this.keySlots?.close();
      // Acks and naks are fire-and-forget: make sure they left before the process exits.
      this.acks.flush();
      if (!this.nc.isClosed()) await this.nc.flush().catch(() => undefined);
      this.log.info({ handedBack, completed: this.completed }, 'worker stopped');
      this.resolveClosed();
    })();
    return this.closing;
  }
}

/** What `start()` rejects with when told to stop before the queue appeared: an AbortError, as fetch() and timers give. */
function stoppedWaiting(queue: string, signal: AbortSignal): DOMException {
  return new DOMException(`stopped waiting for queue ${queue}`, { name: 'AbortError', cause: signal.reason });
}
