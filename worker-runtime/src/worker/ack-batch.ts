import type { JsMsg } from '@nats-io/jetstream';
import { EndOfTurn } from '../end-of-turn.ts';

/**
 * Sends the acks of one turn of the event loop together. nats.js writes its outbound buffer to
 * the socket once per microtask checkpoint, and a consume loop reaches one between every two
 * messages, so acking inline costs a socket write per task: about 20 µs of syscall on the
 * bench machine, a third of a no-op task's whole cost. Deferred to `setImmediate`, every ack of
 * the messages one socket read delivered leaves in a single write. An ack waits at most one loop
 * turn longer (microseconds); a crash in that gap redelivers, as any crash before an ack does.
 */
export class AckBatch {
  private pending: JsMsg[] = [];
  private readonly flushNow = () => this.flush();
  private readonly turn: EndOfTurn;

  /** `turn`: shared with the result records, so a turn's acks and records leave in one write. */
  constructor(turn = new EndOfTurn()) {
    this.turn = turn;
  }

  ack(msg: JsMsg): void {
    if (this.pending.length === 0) this.turn.defer(this.flushNow);
    this.pending.push(msg);
  }

  /** Sends what is pending now; the worker calls it before closing, so no ack is left behind. */
  flush(): void {
    this.turn.cancel(this.flushNow);
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    for (const m of batch) m.ack();
  }
}
