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
  /** Set on the `error` line of a scenario that failed on this system. */
  error?: string;
}

/** Lines that carry the exactly-once check rather than a measured figure. */
export const CHECK_METRICS = ['duplicates', 'missing', 'unacked'] as const;

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
  for (const metric of CHECK_METRICS) {
    lines.push({ scenario: r.scenario, system: r.system, metric, value: r.check[metric], unit: 'tasks', runs: r.runs });
  }
  if (r.error) lines.push({ scenario: r.scenario, system: r.system, metric: 'error', value: 1, unit: 'runs', error: r.error });
  return lines;
}

export function metricOf(results: readonly ScenarioResult[], scenario: string, system: SystemName, metric: string): number | undefined {
  return results.find((r) => r.scenario === scenario && r.system === system)?.metrics.find((m) => m.metric === metric)?.median;
}

/** Rebuilds results from JSON lines (a results file), the inverse of figureLines. */
export function fromFigureLines(lines: readonly FigureLine[]): ScenarioResult[] {
  const out = new Map<string, ScenarioResult>();
  for (const l of lines) {
    const key = `${l.scenario}\u0000${l.system}`;
    let r = out.get(key);
    if (!r) out.set(key, (r = { scenario: l.scenario, system: l.system, runs: l.runs ?? 1, metrics: [], check: { duplicates: 0, missing: 0, unacked: 0 } }));
    if ((CHECK_METRICS as readonly string[]).includes(l.metric)) r.check[l.metric as (typeof CHECK_METRICS)[number]] = l.value;
    else if (l.metric === 'error') r.error = l.error ?? 'failed';
    else r.metrics.push({ metric: l.metric, unit: l.unit, median: l.value, min: l.min ?? l.value, max: l.max ?? l.value });
  }
  return [...out.values()];
}
