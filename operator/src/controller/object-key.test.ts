import { describe, expect, it } from 'vitest';
import { formatKey, keyOf, parseKey } from './object-key.ts';

describe('object keys', () => {
  it('round-trips namespaced and cluster-scoped keys', () => {
    for (const key of [
      { namespace: 'ns', name: 'a' },
      { namespace: undefined, name: 'cluster-wide' },
    ]) {
      expect(parseKey(formatKey(key))).toEqual(key);
    }
    expect(formatKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
  });

  it('takes the key from object metadata', () => {
    expect(keyOf({ metadata: { namespace: 'ns', name: 'a' } })).toEqual({ namespace: 'ns', name: 'a' });
    expect(keyOf({ metadata: { namespace: '', name: 'node1' } })).toEqual({ namespace: undefined, name: 'node1' });
  });
});
