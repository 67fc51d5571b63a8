import { describe, expect, it } from 'vitest';
import { aggregate, figureLines, fromFigureLines, lanesOf, metricOf } from './results.ts';

const run = (throughput: number, duplicates = 0) => ({ figures: [{ metric: 'throughput', value: throughput, unit: 'tasks/s' }], check: { duplicates, missing: 0, unacked: 0 } });

describe('bench results', () => {
  it('reduces runs to median and range and sums the exactly-once check', () => {
    const r = aggregate('drain-noop-c1', { system: 'celeriac' }, [run(300), run(100, 2), run(200)]);
    expect(r.metrics).toEqual([{ metric: 'throughput', unit: 'tasks/s', median: 200, min: 100, max: 300 }]);
    expect(r.check).toEqual({ duplicates: 2, missing: 0, unacked: 0 });
  });

  it('writes one JSON line per figure in the guide format, check and error lines included', () => {
    const lines = figureLines(aggregate('enqueue-bulk', { system: 'bullmq' }, [run(1234.5678)], 'timed out'));
    expect(lines[0]).toEqual({ scenario: 'enqueue-bulk', system: 'bullmq', metric: 'throughput', value: 1235, unit: 'tasks/s', min: 1235, max: 1235, runs: 1 });
    expect(lines.map((l) => l.metric)).toEqual(['throughput', 'duplicates', 'missing', 'unacked', 'error']);
  });

  it('reads its own JSON lines back', () => {
    const original = [aggregate('drain-noop-c1', { system: 'celeriac' }, [run(300), run(100, 2), run(200)]), aggregate('enqueue-bulk', { system: 'bullmq' }, [run(50)], 'timed out')];
    expect(fromFigureLines(original.flatMap(figureLines))).toEqual(original);
  });

  it('marks a variant in its JSON lines and keeps it apart from the base configuration when read back', () => {
    const base = aggregate('drain-noop-c100', { system: 'celeriac' }, [run(90_000)]);
    const defaults = aggregate('drain-noop-c100', { system: 'celeriac', variant: 'defaults' }, [run(50_000)]);
    const lines = [base, defaults].flatMap(figureLines);
    expect(lines[0]).not.toHaveProperty('variant');
    expect(lines.find((l) => l.variant)).toMatchObject({ system: 'celeriac', variant: 'defaults', metric: 'throughput', value: 50_000 });
    const back = fromFigureLines(lines);
    expect(back).toEqual([base, defaults]);
    expect(metricOf(back, 'drain-noop-c100', 'celeriac', 'throughput')).toBe(90_000);
    expect(metricOf(back, 'drain-noop-c100', { system: 'celeriac', variant: 'defaults' }, 'throughput')).toBe(50_000);
    expect(lanesOf(back, ['raw-jetstream', 'celeriac'])).toEqual([{ system: 'celeriac', variant: undefined }, { system: 'celeriac', variant: 'defaults' }]);
  });
});
