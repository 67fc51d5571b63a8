import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './results.ts';
import type { SystemName } from './systems/index.ts';
import { evaluateTargets } from './targets.ts';

const clean = { duplicates: 0, missing: 0, unacked: 0 };
function result(scenario: string, system: SystemName, metric: string, median: number, check = clean): ScenarioResult {
  return { scenario, system, runs: 1, metrics: [{ metric, unit: metric === 'throughput' ? 'tasks/s' : 'ms', median, min: median, max: median }], check };
}
const verdict = (outcomes: ReturnType<typeof evaluateTargets>, target: string) => outcomes.find((o) => o.target === target)?.met;

describe('bench targets', () => {
  it.each([
    [60_000, 80_000, 15_000, true, true],
    [59_000, 80_000, 15_000, false, true],
    [60_000, 80_000, 20_001, true, false],
  ])('drain %i/s against raw %i/s and BullMQ %i/s', (ours, raw, bull, vsRaw, vsBull) => {
    const o = evaluateTargets([result('drain-noop-c100', 'celeriac', 'throughput', ours), result('drain-noop-c100', 'raw-jetstream', 'throughput', raw), result('drain-noop-c100', 'bullmq', 'throughput', bull)]);
    expect(verdict(o, 'drain at least 75% of raw consume+ack')).toBe(vsRaw);
    expect(verdict(o, 'at least 3x BullMQ')).toBe(vsBull);
  });

  it('wants the defaults (results on) at half of raw, and states the tuned Worker against hand-batched acks', () => {
    const o = evaluateTargets([
      result('drain-noop-c100', 'celeriac', 'throughput', 90_000),
      { ...result('drain-noop-c100', 'celeriac', 'throughput', 39_000), variant: 'defaults' },
      result('drain-noop-c100', 'raw-jetstream', 'throughput', 80_000),
      { ...result('drain-noop-c100', 'raw-jetstream', 'throughput', 100_000), variant: 'batched-acks' },
    ]);
    expect(verdict(o, 'results on (defaults): drain at least 50% of raw consume+ack')).toBe(false);
    expect(verdict(o, 'drain at least 75% of raw with hand-batched acks')).toBe(true);
    expect(o.find((x) => x.target.startsWith('results on'))?.detail).toBe('celeriac/defaults 39,000/s vs raw-jetstream 80,000/s (49%)');
  });

  it('wants latency below BullMQ, at most a third above raw, and under 3 ms at 2k/s', () => {
    const o = evaluateTargets([
      result('latency-noop-2k', 'celeriac', 'p99', 1.2),
      result('latency-noop-2k', 'raw-jetstream', 'p99', 1.0),
      result('latency-noop-2k', 'bullmq', 'p99', 1.1),
    ]);
    expect(verdict(o, 'p99 below BullMQ')).toBe(false);
    expect(verdict(o, 'p99 within 75% of raw JetStream')).toBe(true);
    expect(verdict(o, 'p99 under 3 ms at 2,000 tasks/s')).toBe(true);
  });

  it('leaves a comparison open when the other system was not measured', () => {
    const o = evaluateTargets([result('enqueue-bulk', 'celeriac', 'throughput', 1)]);
    expect(o).toEqual([expect.objectContaining({ target: 'enqueue at least raw js.publish', met: undefined })]);
  });

  it('fails exactly-once for a duplicate, a missing or an unacked task, or a failed run', () => {
    const o = evaluateTargets([
      result('drain-noop-c1', 'bullmq', 'throughput', 1, { duplicates: 1, missing: 0, unacked: 0 }),
      result('drain-noop-c1', 'celeriac', 'throughput', 1, { duplicates: 0, missing: 0, unacked: 2 }),
      { ...result('drain-noop-c1', 'raw-jetstream', 'throughput', 1), error: 'timed out' },
    ]);
    expect(o.filter((x) => x.target === 'every task exactly once').map((x) => x.detail)).toEqual([
      'bullmq: 1 duplicates, 0 missing, 0 unacked',
      'celeriac: 0 duplicates, 0 missing, 2 unacked',
      'raw-jetstream: timed out',
    ]);
  });
});
