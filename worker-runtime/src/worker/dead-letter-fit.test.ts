import { describe, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { HEADERS } from '../protocol.ts';
import { cutUtf8, fitDeadLetter, messageBytes, type DeadLetterParts, type Header } from './dead-letter-fit.ts';

const required: Header[] = [
  [HEADERS.id, 'task-1'],
  [HEADERS.deadReason, 'permanent-error'],
  [HEADERS.deadSubject, 'celeriac.q.tasks.t'],
];
const extra: Header[] = [['Celeriac-Meta-Tenant', 'acme']];
const error: Header[] = [
  [HEADERS.deadErrorType, 'PermanentError'],
  [HEADERS.deadError, 'bad input: '.padEnd(300, 'x')],
  [HEADERS.deadStack, 'PermanentError: bad input\n    at handler'.padEnd(2000, 'y')],
];
const parts = (bodyBytes: number): DeadLetterParts => ({ required, extra, error, data: new Uint8Array(bodyBytes) });
const get = (hs: Header[], k: string) => hs.find(([key]) => key === k)?.[1];

describe('fitDeadLetter', () => {
  it('counts bytes exactly as nats.js encodes headers', () => {
    const h = natsHeaders();
    for (const [k, v] of [...required, ...extra, ['Celeriac-Dead-Error', 'é ünïcode']] as Header[]) h.append(k, v);
    const encoded = (h as unknown as { encode(): Uint8Array }).encode();
    expect(messageBytes([...required, ...extra, ['Celeriac-Dead-Error', 'é ünïcode']], new Uint8Array(10))).toBe(encoded.length + 10);
  });

  it('keeps everything when it fits', () => {
    const out = fitDeadLetter(parts(100), 64 * 1024)!;
    expect(out.truncated).toEqual([]);
    expect(out.data.length).toBe(100);
    expect(get(out.headers, HEADERS.deadTruncated)).toBeUndefined();
  });

  it('cuts the stack first, keeping the body and the whole message', () => {
    const limit = 4096;
    const out = fitDeadLetter(parts(limit - 1200), limit)!;
    expect(out.truncated).toEqual(['stack']);
    expect(out.data.length).toBe(limit - 1200);
    expect(get(out.headers, HEADERS.deadError)).toBe(error[1]![1]);
    expect(get(out.headers, HEADERS.deadStack)?.endsWith('…')).toBe(true);
    expect(get(out.headers, HEADERS.deadTruncated)).toBe('stack');
    expect(messageBytes(out.headers, out.data)).toBeLessThanOrEqual(limit);
  });

  it('cuts the message after the stack is gone', () => {
    const limit = 4096;
    const fixed = messageBytes([...required, ...extra, [HEADERS.deadErrorType, 'PermanentError']], new Uint8Array(0));
    const out = fitDeadLetter(parts(limit - fixed - 250), limit)!;
    expect(out.truncated).toEqual(['stack', 'error']);
    expect(get(out.headers, HEADERS.deadStack)).toBeUndefined();
    expect(get(out.headers, HEADERS.deadError)?.startsWith('bad input: ')).toBe(true);
    expect(out.data.length).toBe(limit - fixed - 250);
    expect(messageBytes(out.headers, out.data)).toBeLessThanOrEqual(limit);
  });

  it('leaves the body out when it cannot sit beside the required headers, and says how big it was', () => {
    const limit = 4096;
    const out = fitDeadLetter(parts(limit), limit)!;
    expect(out.truncated).toContain('body');
    expect(out.data.length).toBe(0);
    expect(get(out.headers, HEADERS.deadBodyBytes)).toBe(String(limit));
    // With the body gone there is room for the error again.
    expect(get(out.headers, HEADERS.deadError)).toBe(error[1]![1]);
    expect(get(out.headers, HEADERS.deadTruncated)).toBe(out.truncated.join(','));
    expect(get(out.headers, 'Celeriac-Meta-Tenant')).toBe('acme');
  });

  it('leaves the metadata headers out last, and gives up only when the required ones do not fit', () => {
    const bulky: DeadLetterParts = { ...parts(10), extra: [['Celeriac-Meta-Blob', 'z'.repeat(3000)]] };
    const out = fitDeadLetter(bulky, 1024)!;
    expect(out.truncated).toEqual(['stack', 'body', 'headers']);
    expect(get(out.headers, HEADERS.id)).toBe('task-1');
    expect(messageBytes(out.headers, out.data)).toBeLessThanOrEqual(1024);
    expect(fitDeadLetter(parts(10), 100)).toBeUndefined();
  });

  it('never splits a character when cutting', () => {
    expect(cutUtf8('aé', 2)).toBe('a');
    expect(cutUtf8('aé', 3)).toBe('aé');
    expect(cutUtf8('abc', 0)).toBe('');
  });
});
