import { describe, expect, it } from 'vitest';
import { PAYLOAD_BYTES, makePayload } from './payload.ts';

describe('bench payload', () => {
  it.each([0, 7, 99_999, 1_000_000])('encodes task %i to exactly 128 bytes of JSON', (i) => {
    const p = makePayload(i);
    expect(Buffer.byteLength(JSON.stringify(p))).toBe(PAYLOAD_BYTES);
    expect(p.i).toBe(i);
  });

  it('stamps payloads with a clock that moves forward', async () => {
    const a = makePayload(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(makePayload(1).t - a.t).toBeGreaterThanOrEqual(4000);
  });
});
