import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Environment } from './environment.ts';
import { formatValue } from './format.ts';
import { figureLines, lanesOf, sameLane, type ScenarioResult } from './results.ts';
import { laneLabel, type Lane, type SystemName } from './systems/index.ts';
import type { TargetOutcome } from './targets.ts';

function cell(r: ScenarioResult | undefined, metric: string): string {
  if (!r) return '';
  if (r.error) return 'failed';
  const m = r.metrics.find((x) => x.metric === metric);
  if (!m) return '';
  const med = formatValue(m.median, m.unit);
  return r.runs > 1 ? `${med} (${formatValue(m.min, m.unit)}–${formatValue(m.max, m.unit)})` : med;
}

function ratio(results: ScenarioResult[], metric: string, lane: Lane, other: Lane): string {
  const m = (l: Lane) => results.find((r) => sameLane(r, l) && !r.error)?.metrics.find((x) => x.metric === metric)?.median;
  const ours = m(lane);
  const theirs = m(other);
  if (ours === undefined || theirs === undefined || theirs === 0) return '';
  // For latencies lower is better: show how many times faster we are either way.
  const x = metric === 'throughput' || metric === 'offered-rate' ? ours / theirs : theirs / ours;
  return `${x.toFixed(2)}x`;
}

function exactlyOnce(results: ScenarioResult[]): string {
  const bad = results.filter((r) => r.error || r.check.duplicates || r.check.missing || r.check.unacked);
  if (bad.length === 0) return 'ok';
  return bad.map((r) => `${laneLabel(r)}: ${r.error ? 'failed' : `${r.check.duplicates} dup, ${r.check.missing} missing, ${r.check.unacked} unacked`}`).join('; ');
}

/** Ratio columns: the tuned Worker against each base, and the defaults against raw and BullMQ's own defaults. */
const COMPARISONS: { label: string; lane: Lane; other: Lane }[] = [
  { label: 'celeriac vs raw', lane: { system: 'celeriac' }, other: { system: 'raw-jetstream' } },
  { label: 'celeriac vs bullmq', lane: { system: 'celeriac' }, other: { system: 'bullmq' } },
  { label: 'celeriac/defaults vs raw', lane: { system: 'celeriac', variant: 'defaults' }, other: { system: 'raw-jetstream' } },
  {
    label: 'celeriac/defaults vs bullmq/keep-completed',
    lane: { system: 'celeriac', variant: 'defaults' },
    other: { system: 'bullmq', variant: 'keep-completed' },
  },
];

/**
 * A Markdown table: one row per scenario and metric, medians with (min–max) over runs; a column
 * per lane (system, or system/variant), ratio columns for the comparisons both sides of which ran.
 */
export function renderTable(results: readonly ScenarioResult[], systems: readonly SystemName[]): string {
  const lanes = lanesOf(results, systems);
  const has = (l: Lane) => lanes.some((x) => x.system === l.system && x.variant === l.variant);
  const comparisons = COMPARISONS.filter((c) => has(c.lane) && has(c.other));
  const head = ['scenario', 'metric', ...lanes.map(laneLabel), ...comparisons.map((c) => c.label), 'exactly once'];
  const rows: string[][] = [];
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  for (const s of scenarios) {
    const rs = results.filter((r) => r.scenario === s);
    const metrics = [...new Set(rs.flatMap((r) => r.metrics.map((m) => `${m.metric} (${m.unit})`)))];
    metrics.forEach((label, k) => {
      const metric = label.replace(/ \(.*\)$/, '');
      rows.push([
        k === 0 ? s : '',
        label,
        ...lanes.map((l) => cell(rs.find((r) => sameLane(r, l)), metric)),
        ...comparisons.map((c) => ratio(rs, metric, c.lane, c.other)),
        k === 0 ? exactlyOnce(rs) : '',
      ]);
    });
  }
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function renderTargets(outcomes: readonly TargetOutcome[]): string {
  const mark = (m: boolean | undefined) => (m === undefined ? 'n/a' : m ? 'met' : 'MISSED');
  return outcomes.map((o) => `- ${mark(o.met)}: ${o.target}, ${o.scenario}: ${o.detail}`).join('\n');
}

export function renderEnvironment(env: Environment): string {
  const versions = Object.entries(env.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const load = `load average ${env.loadAverageAtStart.join(' / ')} at start${env.loadAverageAtEnd ? `, ${env.loadAverageAtEnd.join(' / ')} at end` : ''}`;
  return `${env.cores} cores (${env.cpu}), ${env.memoryGiB} GiB, ${env.os}; ${load}; commit ${env.commit}; ${env.date}\nversions: ${versions}`;
}

export const jsonLines = (r: ScenarioResult): string => figureLines(r).map((l) => JSON.stringify(l)).join('\n');

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

export interface ResultFiles {
  jsonl: string;
  environment: string;
  svg: string;
}

export async function writeResults(files: ResultFiles, results: readonly ScenarioResult[], env: Environment, svg: string): Promise<void> {
  await write(files.jsonl, results.map(jsonLines).join('\n') + '\n');
  await write(files.environment, JSON.stringify(env, null, 2) + '\n');
  await write(files.svg, svg);
}
