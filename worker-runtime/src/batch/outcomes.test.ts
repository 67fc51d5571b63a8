import { describe, expect, it } from 'vitest';
import { BatchOutcomeError, itemOutcomes } from './outcomes.ts';

describe('batch item outcomes', () => {
  it('treats nothing returned as every item succeeded', () => {
    expect(itemOutcomes(undefined, 2)).toEqual([{ ok: true, value: undefined }, { ok: true, value: undefined }]);
  });

  it('fails only the items whose outcome is an Error', () => {
    const boom = new Error('row 2 rejected');
    expect(itemOutcomes([1, boom, null], 3)).toEqual([{ ok: true, value: 1 }, { ok: false, error: boom }, { ok: true, value: null }]);
  });

  it('fails every item when the handler returns the wrong shape', () => {
    for (const bad of [[1], 'ok', 42, { 0: 1, 1: 2 }]) {
      const out = itemOutcomes(bad, 2);
      expect(out).toHaveLength(2);
      for (const o of out) expect(o.ok === false && o.error instanceof BatchOutcomeError).toBe(true);
    }
  });
});
