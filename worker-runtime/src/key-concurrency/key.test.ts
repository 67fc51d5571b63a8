import { describe, expect, it } from 'vitest';
import { checkConcurrency, concurrencyKeyOf, keyToken, prefixOfSlot, slotPrefix } from './key.ts';

describe('concurrency key', () => {
  const byTenant = { limit: 2, key: (p: { tenant?: string }) => p.tenant };

  it.each([
    ['the header over the key function', byTenant, 'hdr', { tenant: 't' }, 'hdr'],
    ["the key function's answer without a header", byTenant, undefined, { tenant: 't' }, 't'],
    ['no key (no limit) when the function says undefined', byTenant, undefined, {}, undefined],
    ['the whole task without a key function', { limit: 1 }, undefined, {}, '_all'],
    ['the header even without a key function', { limit: 1 }, 'hdr', {}, 'hdr'],
  ])('takes %s', (_, c, header, payload, want) => {
    expect(concurrencyKeyOf(c, header, payload)).toBe(want);
  });

  it('refuses a key that is not a string, and lets a throwing key function throw', () => {
    expect(() => concurrencyKeyOf({ limit: 1, key: () => 42 as unknown as string }, undefined, {})).toThrow(/returned number/);
    expect(() => concurrencyKeyOf({ limit: 1, key: (p: { a: { b: string } }) => p.a.b }, undefined, {} as { a: { b: string } })).toThrow(TypeError);
  });

  it('keeps plain keys readable and hashes the others so they make one KV token and never collide with a plain one', () => {
    expect(keyToken('tenant-42_A')).toBe('tenant-42_A');
    for (const k of ['a.b', 'a b', 'ü', '*', '>', 'x'.repeat(65), '']) {
      const t = keyToken(k);
      expect(t).toMatch(/^=[A-Za-z0-9_-]{32}$/);
    }
    expect(keyToken('a.b')).not.toBe(keyToken('a b'));
  });

  it('names slots <task>.<key token>.<index> and finds the prefix back from a slot key', () => {
    expect(slotPrefix('email.send', 'acme')).toBe('email.send.acme');
    expect(prefixOfSlot('email.send.acme.3')).toBe('email.send.acme');
    expect(prefixOfSlot(`${slotPrefix('t', 'a.b')}.0`)).toBe(slotPrefix('t', 'a.b'));
  });

  it.each([0, -1, 1.5, 1001, Number.NaN])('refuses limit %s, naming the field', (limit) => {
    expect(() => checkConcurrency('t', { limit })).toThrow(/concurrency\.limit/);
  });

  it('refuses a key that is not a function', () => {
    expect(() => checkConcurrency('t', { limit: 1, key: 'tenant' as never })).toThrow(/concurrency\.key/);
  });
});
