import type { Context, Link, Span } from '@opentelemetry/api';
import type { AttemptTrace } from './attempt-trace.ts';
import { activeTracer, otel } from './otel.ts';
import { failSpan, startConsumerSpan } from './spans.ts';

/**
 * The span of one batch handler call (`process <task> batch`): a root of its own, linked to the
 * span of every item's attempt (OpenTelemetry's model for a batch receive: one operation, many
 * causes). The handler runs inside it, so its own spans (the bulk insert) nest under it.
 */
export class BatchTrace {
  private readonly span: Span;
  private readonly ctx: Context;

  private constructor(span: Span, ctx: Context) {
    this.span = span;
    this.ctx = ctx;
  }

  /** Undefined while no SDK is registered. */
  static start(task: string, queue: string, items: ReadonlyArray<AttemptTrace | undefined>): BatchTrace | undefined {
    const tracer = activeTracer();
    if (!tracer || !otel) return undefined;
    const links: Link[] = [];
    for (const t of items) if (t) links.push({ context: t.spanContext });
    const span = startConsumerSpan(tracer, `process ${task} batch`, otel.ROOT_CONTEXT, {
      'messaging.batch.message_count': items.length,
      'celeriac.queue': queue,
      'celeriac.task.name': task,
    }, links);
    return new BatchTrace(span, otel.trace.setSpan(otel.context.active(), span));
  }

  run<T>(fn: () => T): T {
    return otel ? otel.context.with(this.ctx, fn) : fn();
  }

  /** The handler threw (every item failed with it), or returned. */
  end(err?: unknown): void {
    if (err !== undefined) failSpan(this.span, err);
    this.span.end();
  }
}
