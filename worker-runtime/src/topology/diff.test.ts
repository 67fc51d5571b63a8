import { describe, expect, it } from 'vitest';
import { diffConfig, updatable } from './diff.ts';

describe('diffConfig', () => {
  it('sees only changes to fields we set, treating unlimited values alike', () => {
    const d = diffConfig({ max_age: 10, max_msgs: -1, subjects: ['a'] }, { max_age: 10, max_msgs: -1, subjects: ['a'], extra: 1 }, []);
    expect(d).toEqual({ changed: [], unchangeable: [] });
    expect(diffConfig({ max_bytes: -1 }, {}, []).changed).toEqual([]);
  });

  it('separates fields JetStream cannot update and keeps their server values for the update', () => {
    const desired = { storage: 'memory', max_age: 5, subjects: ['a', 'b'] };
    const actual = { storage: 'file', max_age: 1, subjects: ['a'] };
    const d = diffConfig(desired, actual, ['storage']);
    expect(d.changed.map((c) => c.field)).toEqual(['max_age', 'subjects']);
    expect(d.unchangeable).toEqual([{ field: 'storage', want: 'memory', have: 'file' }]);
    expect(updatable(desired, actual, d)).toEqual({ storage: 'file', max_age: 5, subjects: ['a', 'b'] });
  });

  it('compares metadata by the keys we set: the server adds its own', () => {
    const want = { metadata: { 'celeriac.lanes': 'none' } };
    expect(diffConfig(want, { metadata: { 'celeriac.lanes': 'none', '_nats.ver': '2.14.10' } }, []).changed).toEqual([]);
    expect(diffConfig(want, { metadata: { 'celeriac.lanes': 'levels=2,buckets=1,lowShare=10' } }, []).changed.map((c) => c.field)).toEqual(['metadata']);
    expect(diffConfig(want, {}, []).changed.map((c) => c.field)).toEqual(['metadata']);
  });
});
