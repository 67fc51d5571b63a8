import { describe, expect, it } from 'vitest';
import { History } from './history.ts';

describe('History', () => {
  it('turns samples into arrival and completion rates, keeping the newest points', () => {
    const h = new History(2);
    h.add({ at: 0, lastSeq: 0, backlog: 0 });
    expect(h.points).toEqual([]);
    h.add({ at: 1000, lastSeq: 100, backlog: 100 });
    h.add({ at: 2000, lastSeq: 100, backlog: 40 }, 3);
    h.add({ at: 4000, lastSeq: 110, backlog: 0 }, 1);
    expect(h.points).toEqual([
      { at: 2000, backlog: 40, arrival: 0, completion: 60, replicas: 3 },
      { at: 4000, backlog: 0, arrival: 5, completion: 25, replicas: 1 },
    ]);
    expect(h.rates).toEqual({ arrival: 5, completion: 25 });
  });
  it('has no rate across a recreated stream (sequence went back)', () => {
    const h = new History(10);
    h.add({ at: 0, lastSeq: 50, backlog: 0 });
    h.add({ at: 1000, lastSeq: 3, backlog: 3 });
    expect(h.rates).toBeUndefined();
    expect(h.points).toEqual([]);
  });
});
