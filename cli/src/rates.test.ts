import { describe, expect, it } from 'vitest';
import { ratesBetween } from './rates.ts';

describe('ratesBetween', () => {
  it.each([
    ['no earlier sample', undefined, { at: 1000, lastSeq: 10, backlog: 5 }, undefined],
    ['arrivals only', { at: 0, lastSeq: 0, backlog: 0 }, { at: 2000, lastSeq: 20, backlog: 20 }, { arrival: 10, completion: 0 }],
    ['draining', { at: 0, lastSeq: 100, backlog: 50 }, { at: 1000, lastSeq: 100, backlog: 20 }, { arrival: 0, completion: 30 }],
    ['steady state', { at: 0, lastSeq: 100, backlog: 10 }, { at: 500, lastSeq: 150, backlog: 10 }, { arrival: 100, completion: 100 }],
    ['stream recreated (sequence went back)', { at: 0, lastSeq: 100, backlog: 10 }, { at: 1000, lastSeq: 3, backlog: 3 }, undefined],
    ['same instant', { at: 5, lastSeq: 1, backlog: 1 }, { at: 5, lastSeq: 2, backlog: 2 }, undefined],
  ])('%s', (_name, prev, now, expected) => {
    expect(ratesBetween(prev, now)).toEqual(expected);
  });
});
