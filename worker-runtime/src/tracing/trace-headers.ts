import type { MsgHdrs } from '@nats-io/nats-core';

/**
 * W3C Trace Context on task messages (https://www.w3.org/TR/trace-context/): the same two headers
 * HTTP carries, so a task published by any client, in any language, joins the producer's trace.
 * Written and read here rather than through OpenTelemetry's global propagator: that one is a
 * no-op until the app registers one, and the wire format must not depend on the app's set-up.
 */
export const TRACE_HEADERS = { parent: 'traceparent', state: 'tracestate' } as const;

/** The trace context a message carries, as it goes on the wire. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string | undefined;
}

/** The parts of a `traceparent` OpenTelemetry needs. */
export interface ParsedTraceParent {
  traceId: string;
  spanId: string;
  /** Bit 0: sampled. */
  flags: number;
}

// version 00; later versions may append fields, which a reader of 00 ignores (the spec's rule).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

export function formatTraceParent(p: ParsedTraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${(p.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Undefined for anything the spec says to ignore: bad shape, version ff, all-zero ids, extra fields on 00. */
export function parseTraceParent(value: string | undefined): ParsedTraceParent | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

export function setTraceHeaders(h: MsgHdrs, t: TraceHeaders): void {
  h.set(TRACE_HEADERS.parent, t.traceparent);
  if (t.tracestate) h.set(TRACE_HEADERS.state, t.tracestate);
}

/** The trace context of a message's headers, when it carries a valid one. */
export function traceHeadersOf(h: MsgHdrs | undefined): TraceHeaders | undefined {
  const traceparent = h?.get(TRACE_HEADERS.parent);
  if (!traceparent || !parseTraceParent(traceparent)) return undefined;
  const tracestate = h?.get(TRACE_HEADERS.state);
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The trace id of a message, for logs; undefined when it carries no trace context. */
export function traceIdOf(h: MsgHdrs | undefined): string | undefined {
  return parseTraceParent(h?.get(TRACE_HEADERS.parent))?.traceId;
}
