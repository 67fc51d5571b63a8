import type { Context, Span, SpanContext } from '@opentelemetry/api';
import type { TaskEnvelope } from '../worker/envelope.ts';
import { activeTracer, otel } from './otel.ts';
import { contextOf, failSpan, startConsumerSpan, traceHeadersOfSpan } from './spans.ts';
import { traceHeadersOf, type TraceHeaders } from './trace-headers.ts';

/**
 * The span of one attempt (`process <task>`, kind consumer), child of the span that enqueued the
 * task (its `traceparent` header). The handler runs inside it, so its own spans and the tasks it
 * enqueues nest under it; a workflow's next steps carry its context.
 */
export class AttemptTrace {
  private readonly span: Span;
  private readonly ctx: Context;
  private ended = false;

  private constructor(span: Span, ctx: Context) {
    this.span = span;
    this.ctx = ctx;
  }

  /** Undefined while no SDK is registered: the attempt then costs no span and no header decode. */
  static start(env: TaskEnvelope, queue: string): AttemptTrace | undefined {
    const tracer = activeTracer();
    if (!tracer || !otel) return undefined;
    const subject = env.msg.subject;
    const span = startConsumerSpan(tracer, `process ${env.task}`, contextOf(traceHeadersOf(env.msg.headers)), {
      'messaging.destination.name': subject,
      'messaging.message.id': env.id,
      'celeriac.queue': queue,
      'celeriac.task.name': env.task,
      'celeriac.task.id': env.id,
      'celeriac.task.attempt': env.attempts,
    });
    return new AttemptTrace(span, otel.trace.setSpan(otel.context.active(), span));
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  /** For links: a batch's span points at the attempts it ran. */
  get spanContext(): SpanContext {
    return this.span.spanContext();
  }

  /** The context the attempt's effects carry: the next workflow steps' parent. */
  get headers(): TraceHeaders {
    return traceHeadersOfSpan(this.span);
  }

  /** Runs `fn` (the handler) with this attempt's span active. */
  run<T>(fn: () => T): T {
    return otel ? otel.context.with(this.ctx, fn) : fn();
  }

  failed(err: unknown): void {
    if (!this.ended) failSpan(this.span, err);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }
}
