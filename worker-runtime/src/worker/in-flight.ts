import type { JsMsg } from '@nats-io/jetstream';
import type { CancelledError } from '../errors.ts';

/** One running task, as the worker's single ticker sees it. */
export interface InFlightTask {
  readonly msg: JsMsg;
  readonly task: string;
  readonly startedAt: number;
  lastWorking: number;
  readonly timeoutAt: number;
  /** The handler's outcome is taken (returned, threw or timed out): no timeout applies any more. */
  readonly ended: boolean;
  /** Once set, nothing more may be done with the message (acked, naked, termed or handed back). */
  settled: boolean;
  /** Ends the attempt as timed out. */
  expire(err: Error): void;
  /** Aborts the handler's ctx.signal. */
  abort(reason: Error): void;
  /** The task id (decodes the headers: not for the hot path). */
  readonly id: string;
  /** Aborts the handler's ctx.signal and ends the attempt as cancelled once the handler returns. */
  cancel(reason: CancelledError): void;
}

/**
 * Tracks running tasks. One interval for all of them extends ack deadlines (`working()`) and
 * enforces timeouts: a timer per task would cost more than a no-op task.
 */
export class InFlight {
  readonly tasks = new Set<InFlightTask>();
  private readonly ticker: NodeJS.Timeout;
  private readonly heartbeatMs: number;

  constructor(ackWaitMs: number, onTimeout: (t: InFlightTask) => Error) {
    // Three chances per ack window: one lost or late heartbeat never causes a redelivery.
    this.heartbeatMs = Math.max(100, Math.floor(ackWaitMs / 3));
    this.ticker = setInterval(() => this.tick(onTimeout), Math.min(1000, this.heartbeatMs));
    this.ticker.unref();
  }

  get size(): number {
    return this.tasks.size;
  }

  private tick(onTimeout: (t: InFlightTask) => Error): void {
    const now = Date.now();
    for (const t of this.tasks) {
      if (t.settled) continue;
      if (!t.ended && now >= t.timeoutAt) {
        t.expire(onTimeout(t));
      } else if (now - t.lastWorking >= this.heartbeatMs) {
        // Also while a result is being written or a retry recorded: the message is still ours.
        t.lastWorking = now;
        t.msg.working();
      }
    }
  }

  /** Resolves when no task is tracked any more (all settled) or the deadline passes; true if none is left. */
  async drained(deadline: number): Promise<boolean> {
    while (this.tasks.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.tasks.size === 0;
  }

  /** Aborts every running handler's signal (the worker is shutting down). */
  abortAll(reason: Error): void {
    for (const t of this.tasks) t.abort(reason);
  }

  /** Cancels the running attempts of one task id (a cancel arrived); how many there were. */
  cancel(id: string, reason: CancelledError): number {
    let n = 0;
    for (const t of this.tasks) {
      if (t.ended || t.id !== id) continue;
      t.cancel(reason);
      n++;
    }
    return n;
  }

  close(): void {
    clearInterval(this.ticker);
  }
}
