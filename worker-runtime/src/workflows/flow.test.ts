import { describe, expect, it } from 'vitest';
import { declareTask } from '../task.ts';
import { chain, chord, group, sig } from './flow.ts';
import type { GroupOutcome } from './plan.ts';

const fetchPage = declareTask<{ url: string }, { html: string }>('page.fetch');
const parse = declareTask<{ html: string }, { words: number }>('page.parse');
const store = declareTask<{ words: number }, string>('page.store');
const count = declareTask<number, number>('count');
const total = declareTask<number[], number>('total');
const totalPartial = declareTask<GroupOutcome<number[]>, number>('total.partial');

describe('workflow builders', () => {
  it('flattens a chain into stages; bare links take the previous result', () => {
    const flow = chain(sig(fetchPage, { url: 'u' }), parse, store);
    expect(flow.stages).toEqual([
      { kind: 'task', task: 'page.fetch', payload: { url: 'u' } },
      { kind: 'task', task: 'page.parse', input: 'previous' },
      { kind: 'task', task: 'page.store', input: 'previous' },
    ]);
  });

  it('flattens a chord inside a chain into a group stage and its callback', () => {
    const flow = chain(sig(count, 1), chord(group([sig(count, 2), sig(count, 3)]), total, { onError: 'fail' }), count);
    expect(flow.stages.map((s) => s.kind)).toEqual(['task', 'group', 'task', 'task']);
    expect(flow.stages[1]).toEqual({ kind: 'group', members: [{ task: 'count', payload: 2 }, { task: 'count', payload: 3 }], onError: 'fail' });
  });

  it('refuses an empty group and a chord without a group', () => {
    expect(() => group([])).toThrow(/at least one member/);
    // @ts-expect-error a chord takes a group, not a signature
    expect(() => chord(sig(count, 1), total)).toThrow(/takes a group/);
  });

  it('type-checks the fit of each link (compile-time checks)', () => {
    // Each @ts-expect-error below fails `tsc` if the line ever type-checks.
    // @ts-expect-error store takes { words }, not the { html } that fetchPage returns
    chain(sig(fetchPage, { url: 'u' }), store);
    // @ts-expect-error the third link takes a number, but store returns a string
    chain(sig(fetchPage, { url: 'u' }), parse, store, count);
    // @ts-expect-error the callback of a fail-policy chord takes the results array
    chord(group([sig(count, 1)]), totalPartial);
    // @ts-expect-error the callback of a continue-policy chord takes { results, errors }
    chord(group([sig(count, 1)]), total, { onError: 'continue' });
    // @ts-expect-error a signature's payload is checked
    sig(count, 'one');
    const ok: { __flow?: (i: unknown) => string } = chain(sig(fetchPage, { url: 'u' }), parse, store);
    // @ts-expect-error the chain's output is the last link's result (string), not a number
    const wrong: { __flow?: (i: unknown) => number } = chain(sig(fetchPage, { url: 'u' }), parse, store);
    const partial = chord(group([sig(count, 1), sig(count, 2)]), totalPartial, { onError: 'continue' });
    expect([ok, wrong, partial].length).toBe(3);
  });
});
