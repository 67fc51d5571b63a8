import { describe, expect, it } from 'vitest';
import { AppliedMemory, digestOf } from './applied-memory.ts';

describe('AppliedMemory', () => {
  it('is up to date only for the same digest at the generation the apply answered with', () => {
    const m = new AppliedMemory();
    const d = digestOf({ spec: { image: 'a' } });
    expect(m.upToDate('ns/p', d, 1)).toBe(false); // never applied by this leader
    m.record('ns/p', d, 1);
    expect(m.upToDate('ns/p', d, 1)).toBe(true);
    expect(m.upToDate('ns/p', digestOf({ spec: { image: 'b' } }), 1)).toBe(false); // the pool changed
    expect(m.upToDate('ns/p', d, 2)).toBe(false); // someone else changed the Deployment
    expect(m.upToDate('ns/p', d, undefined)).toBe(false);
    m.forget('ns/p');
    expect(m.upToDate('ns/p', d, 1)).toBe(false);
  });
});
