import type { Check, Measurement } from './scenarios/context.ts';
import { spread } from './stats.ts';
import type { SystemName } from './systems/index.ts';

export interface MetricResult {
  metric: string;
  unit: string;
  median: number;
  min: number;
  max: number;
}

/** Every run of one scenario on one system, reduced to median and range. */
export interface ScenarioResult {
  scenario: string;
  system: SystemName;
  runs: number;
  metrics: MetricResult[];
  /** Summed over all runs. */
  check: Check;
  error?: string;
}

/** One bench figure: the JSON-lines format of the guide, plus the range over runs. */
export interface FigureLine {
  scenario: string;
  system: SystemName;
  metric: string;
  value: number;
  unit: string;
  min?: number;
  max?: number;
  runs?: number;
}

export function aggregate(scenario: string, system: SystemName, runs: readonly Measurement[], error?: string): ScenarioResult {
  const byMetric = new Map<string, { unit: string; values: number[] }>();
  const check: Check = { duplicates: 0, missing: 0, unacked: 0 };
  for (const m of runs) {
    for (const f of m.figures) {
      const entry = byMetric.get(f.metric) ?? { unit: f.unit, values: [] };
      entry.values.push(f.value);
      byMetric.set(f.metric, entry);
    }
    check.duplicates += m.check.duplicates;
    check.missing += m.check.missing;
    check.unacked += m.check.unacked;
  }
  const metrics = [...byMetric].map(([metric, { unit, values }]) => {
    const s = spread(values);
    return { metric, unit, median: s.median, min: s.min, max: s.max };
  });
  return { scenario, system, runs: runs.length, metrics, check, ...(error ? { error } : {}) };
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000);

export function figureLines(r: ScenarioResult): FigureLine[] {
  const lines: FigureLine[] = r.metrics.map((m) => ({
    scenario: r.scenario,
    system: r.system,
    metric: m.metric,
    value: round(m.median),
    unit: m.unit,
    min: round(m.min),
    max: round(m.max),
    runs: r.runs,
  }));
  for (const metric of ['duplicates', 'missing', 'unacked'] as const) {
    lines.push({ scenario: r.scenario, system: r.system, metric, value: r.check[metric], unit: 'tasks', runs: r.runs });
  }
  return lines;
}

export function metricOf(results: readonly ScenarioResult[], scenario: string, system: SystemName, metric: string): number | undefined {
  return results.find((r) => r.scenario === scenario && r.system === system)?.metrics.find((m) => m.metric === metric)?.median;
}
