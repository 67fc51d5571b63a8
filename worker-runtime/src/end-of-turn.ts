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

  /**
   * Runs what is deferred now, every flush even when one throws (its owner, which defers only when
   * its queue was empty, would never be flushed again); the first throw is rethrown after.
   */
  run(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const flushes = this.flushes;
    this.flushes = [];
    let failure: { error: unknown } | undefined;
    for (const f of flushes) {
      try {
        f();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
