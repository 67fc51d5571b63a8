import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_ESTIMATOR_OPTIONS } from './policy.ts';
import { INITIAL_RATE_ESTIMATES, estimateRates, updateRates, type QueueObservation } from './rates.ts';

/** Polls every second after one at time 0: `arrivals` and `backlog` per poll; 2 ready replicas unless told. */
function series(
  polls: { arrivals: number; backlog: number; inFlight?: number; ready?: number; gapMs?: number }[],
  initialBacklog = polls[0]?.backlog ?? 0,
): QueueObservation[] {
  let at = 0;
  let lastSeq = 1_000;
  const out: QueueObservation[] = [
    { at, lastSeq, backlog: initialBacklog, inFlight: Math.min(initialBacklog, 32), readyReplicas: 2 },
  ];
  for (const p of polls) {
    at += p.gapMs ?? 1_000;
    lastSeq += p.arrivals;
    out.push({ at, lastSeq, backlog: p.backlog, inFlight: p.inFlight ?? Math.min(p.backlog, 32), readyReplicas: p.ready ?? 2 });
  }
  return out;
}

const steady = (n: number, arrivals: number, backlog = 10) => Array.from({ length: n }, () => ({ arrivals, backlog }));

describe('arrival rate', () => {
  it('is unknown after a single poll', () => {
    const rates = estimateRates(series([]));
    expect(rates.last).toBeDefined();
    expect([rates.arrivalRate, rates.completionRate, rates.throughputPerReplica]).toEqual([undefined, undefined, undefined]);
  });

  it('is the growth of the stream sequence per second', () => {
    expect(estimateRates(series(steady(20, 100))).arrivalRate).toBe(100);
  });

  it('survives a missed poll: the longer interval gives the same rate', () => {
    const polls = [...steady(5, 100), { arrivals: 300, backlog: 10, gapMs: 3_000 }, ...steady(5, 100)];
    expect(estimateRates(series(polls)).arrivalRate).toBe(100);
  });

  it('does not count a burst in one poll as a rate: the burst is in the backlog already', () => {
    const polls = [...steady(20, 100), { arrivals: 10_000, backlog: 9_910 }, ...steady(3, 100, 9_000)];
    expect(estimateRates(series(polls)).arrivalRate).toBe(100);
  });

  it('follows a change once it has held for three of the five buckets', () => {
    expect(estimateRates(series([...steady(20, 100), ...steady(6, 400)])).arrivalRate).toBe(100);
    expect(estimateRates(series([...steady(20, 100), ...steady(10, 400)])).arrivalRate).toBe(250);
    expect(estimateRates(series([...steady(20, 100), ...steady(12, 400)])).arrivalRate).toBe(400);
  });

  it('counts a trickle of a task every few seconds instead of reading it as zero', () => {
    const trickle = Array.from({ length: 30 }, (_, i) => ({ arrivals: i % 3 === 0 ? 1 : 0, backlog: 0 }));
    const rate = estimateRates(series(trickle)).arrivalRate;
    expect(rate).toBeGreaterThanOrEqual(0.25);
    expect(rate).toBeLessThanOrEqual(0.5);
  });

  it('is the mean so far before a whole bucket has been seen', () => {
    expect(estimateRates(series([{ arrivals: 30, backlog: 0 }, { arrivals: 10, backlog: 0 }])).arrivalRate).toBe(20);
  });

  it('keeps only the arrival curve it needs', () => {
    const rates = estimateRates(series(steady(100, 100)));
    expect(rates.arrivals.length).toBeLessThanOrEqual(22);
  });

  it('restarts its baseline when the stream sequence goes backwards, keeping the estimate', () => {
    const before = estimateRates(series(steady(10, 100)));
    const reset = updateRates(before, { at: 11_000, lastSeq: 5, backlog: 10, inFlight: 10, readyReplicas: 2 });
    expect(reset.arrivalRate).toBe(100);
    expect(reset.last?.lastSeq).toBe(5);
    const next = updateRates(reset, { at: 12_000, lastSeq: 205, backlog: 10, inFlight: 10, readyReplicas: 2 });
    expect(next.arrivalRate).toBe(200);
  });

  it('ignores a repeated, out-of-order or nonsensical poll', () => {
    const state = estimateRates(series(steady(10, 100)));
    const last = state.last!;
    expect(updateRates(state, { ...last })).toBe(state);
    expect(updateRates(state, { ...last, at: last.at - 500 })).toBe(state);
    expect(updateRates(state, { ...last, at: last.at + 1_000, backlog: Number.NaN })).toBe(state);
    expect(updateRates(state, { ...last, at: last.at + 1_000, readyReplicas: -1 })).toBe(state);
  });
});

describe('completion rate', () => {
  it('is arrivals minus backlog growth when not counted directly', () => {
    // 100 in, backlog down 50 each second: 150 finished per second.
    const polls = Array.from({ length: 10 }, (_, i) => ({ arrivals: 100, backlog: 1_000 - 50 * (i + 1) }));
    expect(estimateRates(series(polls, 1_000)).completionRate).toBeCloseTo(150, 6);
  });

  it('uses a direct completion counter when both polls have one', () => {
    const a = { at: 0, lastSeq: 0, backlog: 0, inFlight: 0, readyReplicas: 1, completedTotal: 0 };
    const b = { at: 1_000, lastSeq: 100, backlog: 0, inFlight: 0, readyReplicas: 1, completedTotal: 70 };
    expect(estimateRates([a, b]).completionRate).toBe(70);
  });

  it('skips an interval whose completion counter went backwards', () => {
    const a = { at: 0, lastSeq: 0, backlog: 0, inFlight: 0, readyReplicas: 1, completedTotal: 500 };
    const b = { ...a, at: 1_000, lastSeq: 100, completedTotal: 3 };
    const c = { ...a, at: 2_000, lastSeq: 200, completedTotal: 103 };
    const afterReset = estimateRates([a, b]);
    expect(afterReset.completionRate).toBeUndefined();
    expect(afterReset.last).toBe(b);
    expect(estimateRates([a, b, c]).completionRate).toBe(100);
  });

  it('is never negative when two snapshots disagree', () => {
    expect(estimateRates(series([{ arrivals: 0, backlog: 10 }, { arrivals: 0, backlog: 15 }])).completionRate).toBe(0);
  });

  it('averages over its time constant, whatever the poll interval', () => {
    const tau = DEFAULT_RATE_ESTIMATOR_OPTIONS.throughputTimeConstantMs;
    const first = { at: 0, lastSeq: 0, backlog: 0, inFlight: 0, readyReplicas: 1, completedTotal: 0 };
    const second = { ...first, at: 1_000, lastSeq: 100, completedTotal: 100 };
    const third = { ...first, at: 1_000 + tau, lastSeq: 100, completedTotal: 100 };
    // One time constant at rate 0 after a rate of 100 leaves 100 / e.
    expect(estimateRates([first, second, third]).completionRate).toBeCloseTo(100 / Math.E, 6);
  });
});

describe('throughput per replica', () => {
  it('is unknown while the replicas keep up: idle capacity cannot be measured', () => {
    expect(estimateRates(series(steady(30, 100, 10))).throughputPerReplica).toBeUndefined();
  });

  it('is completions per ready replica while tasks wait undelivered', () => {
    // Backlog 1,000 with 32 in flight: saturated. 100 in, 60 out per second on 2 replicas.
    const polls = Array.from({ length: 10 }, (_, i) => ({ arrivals: 100, backlog: 1_000 + 40 * (i + 1) }));
    const rates = estimateRates(series(polls, 1_000));
    expect(rates.throughputPerReplica).toBeCloseTo(30, 6);
    expect(rates.throughputMeasuredAt).toBe(10_000);
  });

  it('keeps its estimate through intervals that do not measure capacity', () => {
    const saturated = Array.from({ length: 5 }, (_, i) => ({ arrivals: 100, backlog: 1_000 + 40 * (i + 1) }));
    const startingPods = { arrivals: 100, backlog: 1_000, ready: 4 };
    const caughtUp = steady(5, 100, 10);
    const rates = estimateRates(series([...saturated, startingPods, ...caughtUp], 1_000));
    expect(rates.throughputPerReplica).toBeCloseTo(30, 6);
    expect(rates.throughputMeasuredAt).toBe(5_000);
  });
});

describe('estimateRates', () => {
  it('is the fold of updateRates', () => {
    const observations = series([...steady(5, 100), { arrivals: 50, backlog: 300 }, ...steady(5, 80, 300)]);
    let state = INITIAL_RATE_ESTIMATES;
    for (const o of observations) state = updateRates(state, o);
    expect(estimateRates(observations)).toEqual(state);
  });
});
