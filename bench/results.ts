import type { Check, Measurement } from './scenarios/context.ts';
import { spread } from './stats.ts';
import type { Lane, SystemName, Variant } from './systems/index.ts';

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
  /** Unset for a system's base configuration. */
  variant?: Variant;
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
  /** Only on lines of a variant (bench/systems/system.ts VARIANTS). */
  variant?: Variant;
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

export function aggregate(scenario: string, lane: Lane, runs: readonly Measurement[], error?: string): ScenarioResult {
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
  return { scenario, system: lane.system, ...(lane.variant ? { variant: lane.variant } : {}), runs: runs.length, metrics, check, ...(error ? { error } : {}) };
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000);

export function figureLines(r: ScenarioResult): FigureLine[] {
  const id = { scenario: r.scenario, system: r.system, ...(r.variant ? { variant: r.variant } : {}) };
  const lines: FigureLine[] = r.metrics.map((m) => ({
    ...id,
    metric: m.metric,
    value: round(m.median),
    unit: m.unit,
    min: round(m.min),
    max: round(m.max),
    runs: r.runs,
  }));
  for (const metric of CHECK_METRICS) {
    lines.push({ ...id, metric, value: r.check[metric], unit: 'tasks', runs: r.runs });
  }
  if (r.error) lines.push({ ...id, metric: 'error', value: 1, unit: 'runs', error: r.error });
  return lines;
}

/** The result's lane. */
export const laneOf = (r: ScenarioResult): Lane => ({ system: r.system, variant: r.variant });

export const sameLane = (r: ScenarioResult, lane: Lane): boolean => r.system === lane.system && r.variant === lane.variant;

/** A lane's median of a metric; a bare system name means its base configuration. */
export function metricOf(results: readonly ScenarioResult[], scenario: string, lane: SystemName | Lane, metric: string): number | undefined {
  const l = typeof lane === 'string' ? { system: lane } : lane;
  return results.find((r) => r.scenario === scenario && sameLane(r, l))?.metrics.find((m) => m.metric === metric)?.median;
}

/** The lanes present in results, in the order of `systems`, each system's base configuration first. */
export function lanesOf(results: readonly ScenarioResult[], systems: readonly SystemName[]): Lane[] {
  const out: Lane[] = [];
  for (const r of results) if (systems.includes(r.system) && !out.some((l) => sameLane(r, l))) out.push(laneOf(r));
  return out.sort((a, b) => systems.indexOf(a.system) - systems.indexOf(b.system) || Number(!!a.variant) - Number(!!b.variant));
}

/** Rebuilds results from JSON lines (a results file), the inverse of figureLines. */
export function fromFigureLines(lines: readonly FigureLine[]): ScenarioResult[] {
  const out = new Map<string, ScenarioResult>();
  for (const l of lines) {
    const key = `${l.scenario}\u0000${l.system}\u0000${l.variant ?? ''}`;
    let r = out.get(key);
    if (!r) out.set(key, (r = { scenario: l.scenario, system: l.system, ...(l.variant ? { variant: l.variant } : {}), runs: l.runs ?? 1, metrics: [], check: { duplicates: 0, missing: 0, unacked: 0 } }));
    if ((CHECK_METRICS as readonly string[]).includes(l.metric)) r.check[l.metric as (typeof CHECK_METRICS)[number]] = l.value;
    else if (l.metric === 'error') r.error = l.error ?? 'failed';
    else r.metrics.push({ metric: l.metric, unit: l.unit, median: l.value, min: l.min ?? l.value, max: l.max ?? l.value });
  }
  return [...out.values()];
}
