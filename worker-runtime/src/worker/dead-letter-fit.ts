import { DEAD_TRUNCATIONS, HEADERS, type DeadTruncation } from '../protocol.ts';

/** One header line, in the order it is written. */
export type Header = readonly [key: string, value: string];

/** What a dead letter is made of, before it is fitted to the server's max_payload. */
export interface DeadLetterParts {
  /** Headers it must carry: the reason, where it came from, its ids. Never dropped. */
  required: readonly Header[];
  /** The original's other headers (metadata): dropped only when nothing else is left to drop. */
  extra: readonly Header[];
  /** Error headers in the order they are kept: type, message, stack. The last ones are cut first. */
  error: readonly Header[];
  data: Uint8Array;
}

export interface FittedDeadLetter {
  headers: Header[];
  data: Uint8Array;
  /** What was cut or left out, in DEAD_TRUNCATIONS order; empty when it fitted whole. */
  truncated: DeadTruncation[];
}

const encoder = new TextEncoder();
const utf8Bytes = (s: string) => encoder.encode(s).length;

/** `NATS/1.0\r\n` before the lines and `\r\n` after them: the frame of every header block. */
const HEADER_FRAME_BYTES = 'NATS/1.0\r\n'.length + 2;
/** Shorter than this, a cut stack or message says nothing useful: leave it out instead. */
const MIN_CUT_BYTES = 64;
const ELLIPSIS = '…';

/** Bytes of `Key: value\r\n`, as nats.js writes a header line. */
export const lineBytes = ([k, v]: Header) => utf8Bytes(k) + 2 + utf8Bytes(v) + 2;

/** Bytes a message with these headers and body counts against max_payload (the server counts both). */
export function messageBytes(headers: readonly Header[], data: Uint8Array): number {
  if (headers.length === 0) return data.length;
  return HEADER_FRAME_BYTES + headers.reduce((n, h) => n + lineBytes(h), 0) + data.length;
}

/** The longest prefix of `s` that fits `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(s: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  return s.slice(0, encoder.encodeInto(s, new Uint8Array(maxBytes)).read);
}

/**
 * Fits a dead letter into `maxPayload` bytes (headers count). Whole if it fits; otherwise, in this
 * order: the body goes if it cannot sit beside the required and original headers (its size stays
 * in `Celeriac-Dead-Body-Bytes`), the original's extra headers go if even those do not fit, and
 * the error headers take what room is left, stack cut first, then the message. Every cut is named
 * in `Celeriac-Dead-Truncated`. Undefined when the required headers alone exceed the limit.
 */
export function fitDeadLetter(p: DeadLetterParts, maxPayload: number): FittedDeadLetter | undefined {
  const whole = [...p.required, ...p.extra, ...p.error];
  if (messageBytes(whole, p.data) <= maxPayload) return { headers: whole, data: p.data, truncated: [] };

  // From here on the Truncated header is written: reserve room for its longest value.
  const budget = maxPayload - lineBytes([HEADERS.deadTruncated, DEAD_TRUNCATIONS.join(',')]);
  const cut = new Set<DeadTruncation>();
  const required: Header[] = [...p.required];
  let data = p.data;
  if (messageBytes([...required, ...p.extra], data) > budget) {
    cut.add('body');
    required.push([HEADERS.deadBodyBytes, String(data.length)]);
    data = new Uint8Array(0);
  }
  let headers = [...required, ...p.extra];
  if (messageBytes(headers, data) > budget) {
    cut.add('headers');
    headers = required;
  }
  if (messageBytes(headers, data) > budget) return undefined;

  for (const [key, value] of p.error) {
    const room = budget - messageBytes(headers, data) - lineBytes([key, '']);
    if (utf8Bytes(value) <= room) {
      headers.push([key, value]);
      continue;
    }
    cut.add(key === HEADERS.deadStack ? 'stack' : 'error');
    if (room >= MIN_CUT_BYTES) headers.push([key, cutUtf8(value, room - utf8Bytes(ELLIPSIS)) + ELLIPSIS]);
  }
  const truncated = DEAD_TRUNCATIONS.filter((t) => cut.has(t));
  headers.push([HEADERS.deadTruncated, truncated.join(',')]);
  return { headers, data, truncated };
}
