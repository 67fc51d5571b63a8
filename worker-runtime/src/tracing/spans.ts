import type { Context, Link, Span, Tracer } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';
import { describeError } from '../errors.ts';
import { activeTracer, otel } from './otel.ts';
import { formatTraceParent, parseTraceParent, setTraceHeaders, type TraceHeaders } from './trace-headers.ts';

// OpenTelemetry's numeric enums, inlined: the API module may be absent, so no value of it is read
// at load time. SpanKind.PRODUCER = 3, CONSUMER = 4; SpanStatusCode.ERROR = 2.
const PRODUCER = 3;
const CONSUMER = 4;
const ERROR = 2;

/** The trace context to put on the messages a span causes. */
export function traceHeadersOfSpan(span: Span): TraceHeaders {
  const sc = span.spanContext();
  const traceparent = formatTraceParent({ traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags });
  const tracestate = sc.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** A context whose parent is the remote span of `carried` (or the caller's context when none). */
export function contextOf(carried: TraceHeaders | undefined): Context | undefined {
  if (!otel) return undefined;
  const p = parseTraceParent(carried?.traceparent);
  if (!p) return otel.context.active();
  const traceState = carried?.tracestate ? otel.createTraceState(carried.tracestate) : undefined;
  return otel.trace.setSpanContext(otel.ROOT_CONTEXT, { traceId: p.traceId, spanId: p.spanId, traceFlags: p.flags, isRemote: true, ...(traceState ? { traceState } : {}) });
}

/** What a span ends with: nothing (it went well), or the error that failed it. */
export type EndSpan = (err?: unknown) => void;

/** Records `err` on the span and marks it failed (OpenTelemetry's error status). */
export function failSpan(span: Span, err: unknown): void {
  const e = describeError(err);
  span.recordException(err instanceof Error ? err : { name: e.type ?? 'Error', message: e.message });
  span.setStatus({ code: ERROR, message: e.message.slice(0, 500) });
}

/** A producer span: the context its messages carry, and how it ends. */
export interface ProducerSpan {
  headers: TraceHeaders;
  end: EndSpan;
}

/**
 * A producer span (kind producer), child of the caller's active span, whose context goes into the
 * headers of the messages it sends: the workers' spans become its children. Undefined while no
 * SDK is registered.
 */
export function startProducerSpan(name: string, attributes: Record<string, string | number>): ProducerSpan | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const span = tracer.startSpan(name, { kind: PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.operation.name': 'send', ...attributes } });
  return { headers: traceHeadersOfSpan(span), end: endOnce(span) };
}

/** `send <task>`: the producer span of one enqueue, its context set on the message's headers. */
export function startSendSpan(hdrs: MsgHdrs, attrs: { queue: string; task: string; subject: string; id: string }): EndSpan | undefined {
  const sent = startProducerSpan(`send ${attrs.task}`, {
    'messaging.destination.name': attrs.subject,
    'messaging.message.id': attrs.id,
    'celeriac.queue': attrs.queue,
    'celeriac.task.name': attrs.task,
    'celeriac.task.id': attrs.id,
  });
  if (!sent) return undefined;
  setTraceHeaders(hdrs, sent.headers);
  return sent.end;
}

/** A consumer span under `parent` (an attempt's, a batch's). */
export function startConsumerSpan(tracer: Tracer, name: string, parent: Context | undefined, attributes: Record<string, string | number>, links?: Link[]): Span {
  const options = { kind: CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.operation.name': 'process', ...attributes } };
  return tracer.startSpan(name, links ? { ...options, links } : options, parent);
}
function endOnce(span: Span): EndSpan {
  let ended = false;
  return (err) => {
    if (ended) return;
    ended = true;
    if (err !== undefined) failSpan(span, err);
    span.end();
  };
}
