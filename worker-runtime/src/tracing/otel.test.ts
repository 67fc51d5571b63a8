import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { headers } from '@nats-io/nats-core';
import { activeTracer } from './otel.ts';
import { startSendSpan } from './spans.ts';

describe('the OpenTelemetry hook', () => {
  afterEach(() => trace.disable());

  it('has no tracer, and leaves headers alone, until an SDK is registered', () => {
    expect(activeTracer()).toBeUndefined();
    const h = headers();
    expect(startSendSpan(h, { queue: 'q', task: 't', subject: 'celeriac.q.tasks.t', id: 'a' })).toBeUndefined();
    expect(h.has('traceparent')).toBe(false);
  });

  it('finds the SDK once one is registered, and sets a traceparent of the send span', () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    expect(activeTracer()).toBeDefined();
    const h = headers();
    const end = startSendSpan(h, { queue: 'q', task: 't', subject: 'celeriac.q.tasks.t', id: 'a' });
    expect(end).toBeTypeOf('function');
    expect(h.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    end?.();
  });
});
