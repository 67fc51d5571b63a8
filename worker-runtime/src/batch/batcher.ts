import type { Logger } from 'pino';
import type { TaskEnvelope } from '../worker/envelope.ts';
import type { AttemptTrace } from '../tracing/attempt-trace.ts';
import { BatchTrace } from '../tracing/batch-span.ts';
import type { BatchHandler, BatchItem } from './define.ts';
import { itemOutcomes } from './outcomes.ts';

/** An attempt as a batch sees it (worker/attempt.ts): settled by its share of the batch's outcome. */
export interface BatchMember {
  readonly env: TaskEnvelope;
  /** Ended while it waited (timed out): it was retried already and leaves the batch. */
  readonly ended: boolean;
  /** Handed back while it waited (the worker stopped at its drain deadline): it leaves the batch. */
  readonly settled: boolean;
  /** The item's span (an SDK is registered): the batch's span links to it. */
  readonly attemptTrace: AttemptTrace | undefined;
  runAsBatchItem(outcome: Promise<unknown>): void;
}

/** What a batch needs from its worker. */
type BatchDeps = { queue: string; log: Logger; shutdown: AbortSignal };

interface Waiting {
  member: BatchMember;
  payload: unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Collects one task's admitted messages and calls its batch handler with up to `size` of them,
 * when `size` are waiting or `maxWaitMs` after the first one arrived. Each message stays its own
 * attempt from the moment it joins (worker/attempt.ts): its slot is held, its ack deadline
 * extended, its time limit running, and its share of the outcome acks, retries or dead-letters
 * it alone. A message the worker could not admit (malformed, failing its schema) never gets here.
 */
export class Batcher {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private onShutdown: (() => void) | undefined;
  private shutdown: AbortSignal | undefined;
  private readonly task: string;
  private readonly handler: BatchHandler<unknown, unknown>;
  readonly size: number;
  private readonly maxWaitMs: number;
  private readonly timeoutMs: number;

  constructor(task: string, handler: BatchHandler<unknown, unknown>, opts: { size: number; maxWaitMs: number; timeoutMs: number }) {
    this.task = task;
    this.handler = handler;
    this.size = opts.size;
    this.maxWaitMs = opts.maxWaitMs;
    this.timeoutMs = opts.timeoutMs;
  }

  add(member: BatchMember, payload: unknown, deps: BatchDeps): void {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    member.runAsBatchItem(promise);
    this.waiting.push({ member, payload, resolve, reject });
    if (this.waiting.length >= this.size || deps.shutdown.aborted) this.fire(deps);
    else if (!this.timer) {
      const fire = () => this.fire(deps);
      this.timer = setTimeout(fire, this.maxWaitMs);
      // A stopping worker runs the items it holds now, rather than handing them back at its drain deadline.
      deps.shutdown.addEventListener('abort', fire, { once: true });
      this.onShutdown = fire;
      this.shutdown = deps.shutdown;
    }
  }

  private fire(deps: BatchDeps): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onShutdown) this.shutdown?.removeEventListener('abort', this.onShutdown);
    this.onShutdown = undefined;
    const batch = this.waiting.splice(0).filter((w) => !w.member.ended && !w.member.settled);
    if (batch.length === 0) return;
    const items: BatchItem<unknown>[] = batch.map(({ member: { env }, payload }) => ({ payload, id: env.id, attempt: env.attempts, metadata: env.metadata }));
    const ctx = { signal: AbortSignal.any([deps.shutdown, AbortSignal.timeout(this.timeoutMs)]), log: deps.log.child({ task: this.task, batch: batch.length }) };
    const trace = BatchTrace.start(this.task, deps.queue, batch.map((w) => w.member.attemptTrace));
    const failAll = (err: unknown) => {
      trace?.end(err);
      batch.forEach((w) => w.reject(err));
    };
    let returned: unknown;
    try {
      returned = trace ? trace.run(() => this.handler(items, ctx)) : this.handler(items, ctx);
    } catch (err) {
      failAll(err);
      return;
    }
    Promise.resolve(returned).then((r) => {
      trace?.end();
      itemOutcomes(r, batch.length).forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
    }, failAll);
  }
}
