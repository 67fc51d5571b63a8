import { describe, expect, it } from 'vitest';
import { SpecChanges } from './spec-changes.ts';

const obj = (generation: number | undefined, extra: Record<string, unknown> = {}) => ({
  metadata: { namespace: 'ns', name: 'q', uid: 'u1', generation, ...extra },
});

describe('SpecChanges', () => {
  it('passes a new object, a new generation and a deletion mark, and holds back status-only updates', () => {
    const s = new SpecChanges();
    expect(s.changed(obj(1))).toBe(true);
    expect(s.changed(obj(1, { resourceVersion: '2' }))).toBe(false); // a status write
    expect(s.changed(obj(2))).toBe(true); // the spec edited
    expect(s.changed(obj(2, { deletionTimestamp: new Date() }))).toBe(true);
    expect(s.changed(obj(2, { deletionTimestamp: new Date() }))).toBe(false);
  });

  it('treats an object recreated under the same name, or forgotten, as new', () => {
    const s = new SpecChanges();
    expect(s.changed(obj(1))).toBe(true);
    expect(s.changed(obj(1, { uid: 'u2' }))).toBe(true);
    s.forget(obj(1, { uid: 'u2' }));
    expect(s.changed(obj(1, { uid: 'u2' }))).toBe(true);
  });

  it('passes every update of an object without a generation', () => {
    const s = new SpecChanges();
    expect(s.changed(obj(undefined))).toBe(true);
    expect(s.changed(obj(undefined))).toBe(true);
  });
});
