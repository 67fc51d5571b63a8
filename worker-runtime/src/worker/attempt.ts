import { DEFAULTS } from '../defaults.ts';
import { HardTimeLimitError, PermanentError, type CancelledError } from '../errors.ts';
import { settleCancelled } from '../cancel/settle.ts';
import type { TaskEnvelope } from './envelope.ts';
import { retryOrDeadLetter } from './failure-effects.ts';
import type { InFlightTask } from './in-flight.ts';
import type { RegisteredTask, RunDeps } from './run-deps.ts';
import { TaskContextImpl } from './task-context.ts';
import { AttemptTrace } from '../tracing/attempt-trace.ts';
import { traceIdOf } from '../tracing/trace-headers.ts';

/**
 * One run of a task's handler, from its start to the message's ack, nak or term. The first of
 * three outcomes wins: the handler returns, it throws (or rejects), or the in-flight ticker
 * expires it; whatever comes later is ignored, so a handler that rejects after its timeout
 * changes nothing and is no unhandled rejection.
 *
 * Built for the common case: a handler that returns a value, with results off, is acked without
 * a promise, timer or abort controller of the worker's own; one that returns a promise costs one
 * `then`. The per-task promises and closures this replaced were most of the worker's CPU per task
 * after the socket writes (docs/benchmarks.md).
 */
export class Attempt implements InFlightTask {
  readonly env: TaskEnvelope;
  readonly reg: RegisteredTask;
  readonly startedAt: number;
  /** The soft limit, then (once it passed, if the task has one) the hard limit. */
  timeoutAt: number;
  lastWorking: number;
  /** The handler's outcome is taken: returned, threw or timed out. */
  ended = false;
  /** Nothing more may be done with the message: acked, naked, termed or handed back. */
  settled = false;
  /** Made on first read of ctx.signal: most handlers never read it. */
  private controller: AbortController | undefined;
  private abortReason: Error | undefined;
  /** Set when a cancel arrived while the handler ran: whatever it does next, the attempt ends cancelled. */
  private cancelledBy: CancelledError | undefined;
  private tracked = false;
  /** The handler's return value, for a workflow's next step. */
  private value: unknown;
  /** The workflow step of this success is being (or was) taken. */
  private stepping = false;
  /** The attempt's span; undefined while no OpenTelemetry SDK is registered. */
  private trace: AttemptTrace | undefined;
  private readonly deps: RunDeps;
  private readonly release: () => void;
  /** Kills an isolated handler's runner; unset for an in-process handler, which cannot be stopped. */
  private kill: ((reason: Error) => void) | undefined;

  /** `release` may be called more than once (runTask guards it): finish() need not. It frees the slot. */
  constructor(env: TaskEnvelope, reg: RegisteredTask, deps: RunDeps, release: () => void) {
    this.env = env;
    this.reg = reg;
    this.deps = deps;
    this.release = release;
    this.startedAt = this.lastWorking = Date.now();
    this.timeoutAt = this.startedAt + reg.timeoutMs;
  }

  get msg() {
    return this.env.msg;
  }

  get task(): string {
    return this.env.task;
  }

  get id(): string {
    return this.env.id;
  }

  /** The attempt's span, when an SDK is registered: a batch links its own span to it. */
  get attemptTrace(): AttemptTrace | undefined {
    return this.trace;
  }

  /** For logs: the attempt's trace, else the one its message carries (decoded on use only). */
  get traceId(): string | undefined {
    return this.trace?.traceId ?? traceIdOf(this.msg.headers);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      // Aborted before anyone looked: the signal must say so from the start.
      const reason = this.abortReason ?? (this.deps.shutdown.aborted ? new Error('worker shutting down') : undefined);
      if (reason) this.abort(reason);
    }
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.abortReason ??= reason;
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(this.abortReason);
  }

  /**
   * A cancel arrived while the handler runs: its signal fires now, and the attempt ends as
   * `cancelled` when the handler returns or throws (or times out), never retried. A handler that
   * ignores the signal runs on to its end; an isolated one is killed after a grace
   * (`DEFAULTS.isolatedCancelGraceMs`).
   */
  cancel(reason: CancelledError): void {
    if (this.ended) return;
    const first = this.cancelledBy === undefined;
    this.cancelledBy ??= reason;
    this.abort(reason);
    if (first && this.kill) setTimeout(() => this.killCancelled(reason), DEFAULTS.isolatedCancelGraceMs).unref();
  }

  /** The grace after a cancel passed and the isolated handler has not returned: its runner is killed. */
  private killCancelled(reason: CancelledError): void {
    if (!this.end()) return;
    this.kill?.(reason);
    this.endCancelled(reason);
  }

  /** Calls the handler (or joins its task's next batch); the attempt finishes on its own from here. */
  run(payload: unknown): void {
    if (this.reg.batcher) return this.reg.batcher.add(this, payload, this.deps);
    this.reg.metrics.started.inc();
    this.trace = AttemptTrace.start(this.env, this.deps.queue);
    let out: unknown;
    try {
      const ctx = new TaskContextImpl(this, this.deps);
      const invoke = (): unknown => {
        if (!this.reg.isolated) return this.reg.def.handler(payload, ctx);
        const call = this.reg.isolated.run(payload, ctx);
        this.kill = call.kill;
        return call.result;
      };
      out = this.trace ? this.trace.run(invoke) : invoke();
    } catch (err) {
      this.onError(err);
      return;
    }
    if (isThenable(out)) {
      this.track();
      // Promise.resolve returns a native promise as is; a foreign thenable gets adopted safely.
      Promise.resolve(out).then(
        (value) => this.onResult(value),
        (err: unknown) => this.onError(err),
      );
      return;
    }
    this.onResult(out);
  }

  /** One item of a batch (batch/batcher.ts): `outcome`, its share of the batch handler's, settles it as a handler's would. */
  runAsBatchItem(outcome: Promise<unknown>): void {
    this.reg.metrics.started.inc();
    this.trace = AttemptTrace.start(this.env, this.deps.queue);
    this.track();
    outcome.then(
      (value) => this.onResult(value),
      (err: unknown) => this.onError(err),
    );
  }

  /**
   * The in-flight ticker found the attempt past its time limit. Past a soft limit with a hard one
   * still ahead, only the signal fires; past the last limit the attempt fails, and an isolated
   * handler's runner is killed (an in-process one runs on, abandoned: its outcome is ignored).
   */
  expire(err: Error): void {
    const hard = this.reg.hardTimeLimitMs;
    if (hard !== undefined && this.timeoutAt < this.startedAt + hard) {
      this.abort(err);
      this.timeoutAt = this.startedAt + hard;
      return;
    }
    if (!this.end()) return;
    if (hard !== undefined) err = hardLimitError(this.task, hard, this.kill !== undefined);
    this.abort(err);
    this.kill?.(err);
    if (this.cancelledBy) this.endCancelled(this.cancelledBy);
    else this.failed(err);
  }

  /** The result backend could not take a record: leave the task for a quick redelivery rather than lose it. */
  unrecorded(err: unknown): void {
    if (!this.settled) {
      this.settled = true;
      this.deps.log.error({ err, task: this.task, id: this.env.id }, 'could not record result; task will be redelivered');
      this.msg.nak(1000);
    }
    this.finish();
  }

  private onResult(result: unknown): void {
    if (!this.end()) return;
    if (this.cancelledBy) return this.endCancelled(this.cancelledBy);
    const finishedAt = Date.now();
    this.value = result;
    const results = this.deps.results;
    let record: string | undefined;
    try {
      // Serialised before acking: a result that cannot be stored would fail on every retry too.
      if (results) record = JSON.stringify({ ...this.env.record(), state: 'succeeded', startedAt: this.startedAt, finishedAt, updatedAt: finishedAt, result });
    } catch (err) {
      this.failed(new PermanentError(`result is not JSON-serialisable: ${(err as Error).message}`));
      return;
    }
    this.reg.metrics.okDuration.observe((finishedAt - this.startedAt) / 1000);
    if (!results || record === undefined) {
      this.complete();
      return;
    }
    // Acked only once the record is durable; while its write is in flight the message is still
    // ours, so the attempt stays tracked (ack deadline extended, waited for on close). The handler
    // is done, though: its slot goes to the next task now, or a worker's throughput would be
    // capped at concurrency / (result write round trip) (docs/benchmarks.md, results on); past
    // `resultsInFlightMax` records waiting, it keeps the slot, so a stalled server stops the pulls.
    this.track();
    if (results.inFlight < DEFAULTS.resultsInFlightMax) this.release();
    results.record(this.env.id, record, (err) => (err ? this.unrecorded(err) : this.complete()), true);
  }

  private onError(err: unknown): void {
    if (!this.end()) return;
    if (this.cancelledBy) this.endCancelled(this.cancelledBy);
    else this.failed(err);
  }

  private endCancelled(err: CancelledError): void {
    // Handed back during shutdown: another worker has it now, and drops it at admission.
    if (this.settled) return this.finish();
    settleCancelled(this.env, err, this.deps, this.startedAt).then(
      () => this.finish(),
      (e: unknown) => this.unrecorded(e),
    );
  }

  /** Hands the attempt to the in-flight ticker (ack deadline, timeout) and to shutdown. */
  private track(): void {
    if (this.tracked) return;
    this.tracked = true;
    this.deps.inFlight.tasks.add(this);
  }

  /** True for the first outcome only. */
  private end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    return true;
  }

  private complete(): void {
    // A workflow step is taken before the ack: a worker dying in between leaves it to a redelivery.
    const step = this.settled || this.stepping ? undefined : this.deps.workflows?.onSucceeded(this.env, this.value, this.trace?.headers);
    if (step) {
      this.stepping = true;
      this.track();
      step.then(
        () => this.complete(),
        (err: unknown) => this.unrecorded(err),
      );
      return;
    }
    if (!this.settled) {
      this.settled = true;
      this.deps.acks.ack(this.msg);
      this.reg.metrics.succeeded.inc();
      this.deps.onCompleted();
    }
    this.finish();
  }

  private failed(err: unknown): void {
    const m = this.reg.metrics;
    m.failed.inc();
    this.trace?.failed(err);
    m.errDuration.observe((Date.now() - this.startedAt) / 1000);
    // Handed back during shutdown: another worker has it now.
    if (this.settled) return this.finish();
    retryOrDeadLetter(this.env, err, this.reg, this.startedAt, this.deps).then(
      () => this.finish(),
      (e: unknown) => this.unrecorded(e),
    );
  }

  private finish(): void {
    this.settled = true;
    this.trace?.end();
    if (this.tracked) this.deps.inFlight.tasks.delete(this);
    this.release();
  }
}

function hardLimitError(task: string, ms: number, isolated: boolean): HardTimeLimitError {
  const what = isolated ? 'its runner was killed' : 'its handler was abandoned (in-process code cannot be stopped)';
  return new HardTimeLimitError(`task ${task} passed its hard time limit of ${ms} ms; ${what}`);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
