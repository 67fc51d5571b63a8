import type { JsMsg } from '@nats-io/jetstream';

/**
 * One lane's tasks pulled by a worker and not yet started, and whether more are on their way.
 * The consume loop of the lane waits (`full()` resolves) while the buffer holds `capacity`.
 */
export class LaneBuffer {
  readonly level: number;
  private readonly capacity: number;
  private readonly msgs: JsMsg[] = [];
  private resume: (() => void) | undefined;
  /** The server had more tasks in this lane when it delivered the last one (its `num_pending`). */
  private more = false;
  /** When a task was last taken: the lane's refill was asked for then. */
  private takenAt = 0;

  constructor(level: number, capacity: number) {
    this.level = level;
    this.capacity = capacity;
  }

  get size(): number {
    return this.msgs.length;
  }

  /** Holds a delivered task; the promise, if any, resolves once there is room for the next. */
  push(m: JsMsg): Promise<void> | undefined {
    this.msgs.push(m);
    this.more = m.info.pending > 0;
    if (this.msgs.length < this.capacity) return undefined;
    return new Promise<void>((r) => (this.resume = r));
  }

  take(now: number): JsMsg | undefined {
    const m = this.msgs.shift();
    if (!m) return undefined;
    this.takenAt = now;
    if (this.resume && this.msgs.length < this.capacity) {
      const resume = this.resume;
      this.resume = undefined;
      resume();
    }
    return m;
  }

  /**
   * Empty, but the server said it had more and the refill was asked for within `waitMs`: the
   * next task is a round trip away, and a free slot is better kept for it than given to a lower
   * level (or another bucket) whose turn it is not.
   */
  expecting(now: number, waitMs: number): boolean {
    return this.msgs.length === 0 && this.more && now - this.takenAt < waitMs;
  }

  /** Hands every held task back to the server and lets the consume loop end. */
  release(): void {
    for (const m of this.msgs.splice(0)) m.nak();
    this.resume?.();
    this.resume = undefined;
  }

  /** Keeps held tasks from being redelivered elsewhere while they wait for a slot. */
  keepAlive(): void {
    for (const m of this.msgs) m.working();
  }
}
