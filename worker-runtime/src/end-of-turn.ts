/**
 * Runs the flushes asked for during one turn of the event loop in a single `setImmediate`
 * callback. nats.js writes its outbound buffer to the socket once per microtask checkpoint, and
 * Node runs the microtasks between any two immediates: the worker's acks (worker/ack-batch.ts)
 * and its result records (results.ts), each on an immediate of its own, left in two socket writes
 * per turn. Sharing one immediate, a turn's acks and records leave in one write, which costs the
 * server one read. A flush asked for twice in a turn runs once.
 */
export class EndOfTurn {
  private flushes: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly runNow = () => this.run();

  /** Runs `flush` at the end of this turn, with the others asked for in it. */
  defer(flush: () => void): void {
    if (!this.flushes.includes(flush)) this.flushes.push(flush);
    this.scheduled ??= setImmediate(this.runNow);
  }

  /** Drops `flush` from this turn (its owner flushed already or closed). */
  cancel(flush: () => void): void {
    const i = this.flushes.indexOf(flush);
    if (i >= 0) this.flushes.splice(i, 1);
  }

  private run(): void {
    this.scheduled = undefined;
    const flushes = this.flushes;
    this.flushes = [];
    for (const f of flushes) f();
  }
}
