import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { HEADERS, periodicTickId, type ResultRecord } from '../protocol.ts';
import { headerValue, rawHeaderBlock } from './header-peek.ts';

/** What every result record needs from the headers. */
interface Core {
  id: string;
  enqueuedAt: number | undefined;
  priorAttempts: number;
}

interface Parsed extends Core {
  metadata: Record<string, string>;
  expiresAt: number | undefined;
}

/**
 * What a delivered task message says about itself. The headers are optional (any client may
 * publish) and decoded on first use: nats.js's header decoding was ~15 µs of a no-op task's
 * ~90 µs in the bench, and a success with results off never needs them unless the handler asks.
 */
export class TaskEnvelope {
  readonly msg: JsMsg;
  /** The task name from the subject; empty when the subject names none. */
  readonly task: string;
  /** Deliveries of this stream message (1 on the first): a lower bound of `attempts` that needs no headers. */
  readonly deliveries: number;
  private parsed: Parsed | undefined;
  private core: Core | undefined;

  constructor(msg: JsMsg, task: string) {
    this.msg = msg;
    this.task = task;
    this.deliveries = msg.info.deliveryCount;
  }

  /**
   * The attempt number, 1 on the first run. A task handed back by a worker that did not know it
   * is a new stream message (worker/handoff.ts): the deliveries of its earlier copies come in
   * `Celeriac-Prior-Attempts`, so a hand-back never costs an attempt and never gives one back.
   */
  get attempts(): number {
    return this.deliveries + this.coreHeaders().priorAttempts;
  }

  get id(): string {
    return this.coreHeaders().id;
  }

  get enqueuedAt(): number | undefined {
    return this.coreHeaders().enqueuedAt;
  }

  /** `Celeriac-Expires-At`: not started by then, the task never runs. */
  get expiresAt(): number | undefined {
    return this.headers().expiresAt;
  }

  /** `Celeriac-Meta-*` headers without the prefix, lower-cased. */
  get metadata(): Record<string, string> {
    return this.headers().metadata;
  }

  /** The fields every result record of this delivery carries. */
  record(): Pick<ResultRecord, 'id' | 'task' | 'attempts' | 'enqueuedAt'> {
    return { id: this.id, task: this.task, attempts: this.attempts, enqueuedAt: this.enqueuedAt };
  }

  private headers(): Parsed {
    return (this.parsed ??= parseHeaders(this.msg));
  }

  /**
   * The three headers every result record carries, read from the raw header block: with results
   * on, each success needs them, and nats.js's decode of every header (then our walk over them
   * for metadata) was most of the record's cost on the worker (docs/benchmarks.md, results on).
   */
  private coreHeaders(): Core {
    return (this.core ??= this.parsed ?? peekCore(this.msg) ?? this.headers());
  }
}

/** `parseHeaders`' id, enqueuedAt and priorAttempts without decoding the headers; undefined when it cannot tell. */
function peekCore(msg: JsMsg): Core | undefined {
  const raw = rawHeaderBlock(msg);
  if (!raw) return undefined; // no headers (the id comes from the sequence) or an unknown shape
  const block = raw.toString('utf8');
  // A periodic tick's id and enqueue time come from its schedule headers: the full decode knows.
  if (headerValue(block, HEADERS.scheduleName) !== undefined) return undefined;
  const id = headerValue(block, HEADERS.id);
  if (!id) return undefined;
  return { id, enqueuedAt: Number(headerValue(block, HEADERS.enqueuedAt)) || undefined, priorAttempts: priorAttemptsOf(headerValue(block, HEADERS.priorAttempts)) };
}

function priorAttemptsOf(value: string | undefined): number {
  const prior = Number(value);
  return Number.isSafeInteger(prior) && prior > 0 ? prior : 0;
}

/**
 * A task message's id: `Celeriac-Id`; for a periodic tick (which carries no id of its own, see
 * periodicTickId) the per-tick id; else one from the stream sequence.
 */
export function taskIdOf(h: MsgHdrs | undefined, streamSeq: number): string {
  const tick = h?.has(HEADERS.scheduleName) ? periodicTickId(h.get(HEADERS.scheduleName), h.get(HEADERS.scheduleNext)) : undefined;
  return h?.get(HEADERS.id) || tick || `seq-${streamSeq}`;
}

function parseHeaders(msg: JsMsg): Parsed {
  const h = msg.headers;
  const id = taskIdOf(h, msg.info.streamSequence);
  // A periodic tick was enqueued when the server fired it.
  const enqueuedAt = Number(h?.get(HEADERS.enqueuedAt)) || (h?.has(HEADERS.scheduleName) ? Math.floor(msg.info.timestampNanos / 1e6) : undefined);
  const priorAttempts = priorAttemptsOf(h?.get(HEADERS.priorAttempts));
  const expiresAt = Number(h?.get(HEADERS.expiresAt)) || undefined;
  const metadata: Record<string, string> = {};
  if (h) {
    for (const [k, v] of h) {
      if (k.startsWith(HEADERS.metaPrefix) && v[0] !== undefined) metadata[k.slice(HEADERS.metaPrefix.length).toLowerCase()] = v[0];
    }
  }
  return { id, enqueuedAt, metadata, priorAttempts, expiresAt };
}
