import { describe, expect, it } from 'vitest';
import { headers } from '@nats-io/nats-core';
import { formatTraceParent, parseTraceParent, setTraceHeaders, traceHeadersOf, traceIdOf } from './trace-headers.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('W3C trace context headers', () => {
  it('round-trips a traceparent', () => {
    const value = formatTraceParent({ traceId, spanId, flags: 1 });
    expect(value).toBe(`00-${traceId}-${spanId}-01`);
    expect(parseTraceParent(value)).toEqual({ traceId, spanId, flags: 1 });
  });

  it('ignores what the spec says to ignore', () => {
    const bad = [
      undefined,
      '',
      'garbage',
      `00-${traceId}-${spanId}`,
      `ff-${traceId}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-extra`,
    ];
    for (const v of bad) expect(parseTraceParent(v), String(v)).toBeUndefined();
    // A later version may add fields; a version-00 reader takes the ones it knows.
    expect(parseTraceParent(`01-${traceId}-${spanId}-00-more`)).toEqual({ traceId, spanId, flags: 0 });
  });

  it('reads and writes message headers', () => {
    const h = headers();
    setTraceHeaders(h, { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=x' });
    expect(traceHeadersOf(h)).toEqual({ traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=x' });
    expect(traceIdOf(h)).toBe(traceId);
    const none = headers();
    none.set('traceparent', 'not-a-traceparent');
    expect(traceHeadersOf(none)).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});
