import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

/** How the worker's run path settled one delivery. */
export type EagerSettlement = { kind: 'ack' } | { kind: 'nak'; delayMs: number } | { kind: 'term'; reason: string };

/**
 * One delivery of a task in eager mode: the part of a JetStream message (`JsMsg`) that the
 * worker's run path reads and settles (subject, data, headers, delivery count; ack, nak, term,
 * working), kept in memory. `settled` resolves with the first of ack, nak or term, as the server
 * would take the first one. The eager-parity test runs the same tasks through this and through
 * a real server and compares the result records, so the two cannot drift apart unnoticed.
 */
export class EagerMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
  readonly info: { deliveryCount: number; streamSequence: number; stream: string };
  readonly settled: Promise<EagerSettlement>;
  private settle!: (s: EagerSettlement) => void;
  private done = false;

  constructor(subject: string, data: Uint8Array, headers: Record<string, string>, delivery: number, seq: number) {
    this.subject = subject;
    this.data = data;
    this.headers = natsHeaders();
    for (const [k, v] of Object.entries(headers)) this.headers.set(k, v);
    this.info = { deliveryCount: delivery, streamSequence: seq, stream: 'EAGER' };
    this.settled = new Promise((r) => (this.settle = r));
  }

  ack(): void {
    this.finish({ kind: 'ack' });
  }

  nak(delayMs = 0): void {
    this.finish({ kind: 'nak', delayMs });
  }

  term(reason = ''): void {
    this.finish({ kind: 'term', reason });
  }

  /** Nothing to extend: no server will redeliver an eager task. */
  working(): void {}

  private finish(s: EagerSettlement): void {
    if (this.done) return;
    this.done = true;
    this.settle(s);
  }
}
