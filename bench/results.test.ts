import { describe, expect, it } from 'vitest';
import { aggregate, figureLines, fromFigureLines } from './results.ts';

const run = (throughput: number, duplicates = 0) => ({ figures: [{ metric: 'throughput', value: throughput, unit: 'tasks/s' }], check: { duplicates, missing: 0, unacked: 0 } });

describe('bench results', () => {
  it('reduces runs to median and range and sums the exactly-once check', () => {
    const r = aggregate('drain-noop-c1', 'celeriac', [run(300), run(100, 2), run(200)]);
    expect(r.metrics).toEqual([{ metric: 'throughput', unit: 'tasks/s', median: 200, min: 100, max: 300 }]);
    expect(r.check).toEqual({ duplicates: 2, missing: 0, unacked: 0 });
  });

  it('writes one JSON line per figure in the guide format, check and error lines included', () => {
    const lines = figureLines(aggregate('enqueue-bulk', 'bullmq', [run(1234.5678)], 'timed out'));
    expect(lines[0]).toEqual({ scenario: 'enqueue-bulk', system: 'bullmq', metric: 'throughput', value: 1235, unit: 'tasks/s', min: 1235, max: 1235, runs: 1 });
    expect(lines.map((l) => l.metric)).toEqual(['throughput', 'duplicates', 'missing', 'unacked', 'error']);
  });

  it('reads its own JSON lines back', () => {
    const original = [aggregate('drain-noop-c1', 'celeriac', [run(300), run(100, 2), run(200)]), aggregate('enqueue-bulk', 'bullmq', [run(50)], 'timed out')];
    expect(fromFigureLines(original.flatMap(figureLines))).toEqual(original);
  });
});
