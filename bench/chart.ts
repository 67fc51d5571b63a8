import { formatValue } from './format.ts';
import type { ScenarioResult } from './results.ts';
import type { SystemName } from './systems/index.ts';

const COLORS: Record<SystemName, string> = { celeriac: '#2e7d32', 'raw-jetstream': '#1565c0', bullmq: '#c62828' };
const BAR = 11;
const LABEL_W = 205;
const PLOT_W = 560;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

interface Row {
  label: string;
  bars: { system: SystemName; value: number; unit: string }[];
}

function rowsFor(results: readonly ScenarioResult[], metric: string, scenarios: string[], systems: readonly SystemName[]): Row[] {
  return scenarios.map((s) => ({
    label: s,
    bars: systems.flatMap((system) => {
      const m = results.find((r) => r.scenario === s && r.system === system && !r.error)?.metrics.find((x) => x.metric === metric);
      return m ? [{ system, value: m.median, unit: m.unit }] : [];
    }),
  }));
}

/** One panel of grouped horizontal bars; each row is scaled to its own largest bar (the numbers carry the comparison). */
function panel(title: string, rows: Row[], systems: readonly SystemName[], y0: number): { svg: string; height: number } {
  const parts = [`<text x="10" y="${y0 + 16}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  let y = y0 + 30;
  for (const row of rows) {
    const max = Math.max(...row.bars.map((b) => b.value), 1e-9);
    parts.push(`<text x="10" y="${y + (systems.length * (BAR + 2)) / 2 + 4}" font-size="12">${esc(row.label)}</text>`);
    for (const system of systems) {
      const b = row.bars.find((x) => x.system === system);
      if (b) {
        const w = Math.max(1, (b.value / max) * PLOT_W);
        parts.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${COLORS[system]}"/>`);
        parts.push(`<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR - 1}" font-size="10">${formatValue(b.value, b.unit)} ${esc(b.unit)}</text>`);
      }
      y += BAR + 2;
    }
    y += 8;
  }
  return { svg: parts.join('\n'), height: y - y0 };
}

/** The chart in docs/benchmarks.md: throughput medians, then p99 latencies, per scenario and system. */
export function renderChart(results: readonly ScenarioResult[], systems: readonly SystemName[], subtitle: string): string {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const throughput = scenarios.filter((s) => !s.startsWith('latency-') && s !== 'idle-pickup');
  const latency = scenarios.filter((s) => s.startsWith('latency-') || s === 'idle-pickup');
  const legend = systems
    .map((s, k) => `<rect x="${10 + k * 150}" y="40" width="12" height="12" fill="${COLORS[s]}"/><text x="${28 + k * 150}" y="50" font-size="12">${s}</text>`)
    .join('\n');
  const top = panel('Throughput, median (tasks/s, higher is better)', rowsFor(results, 'throughput', throughput, systems), systems, 60);
  const bottom = panel('Enqueue-to-start latency p99, median (ms, lower is better)', rowsFor(results, 'p99', latency, systems), systems, 60 + top.height + 10);
  const height = 60 + top.height + 10 + bottom.height + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_W + PLOT_W + 110}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="16" font-weight="bold">Celeriac bench</text>`,
    `<text x="10" y="34" font-size="11">${esc(subtitle)}</text>`,
    legend,
    top.svg,
    bottom.svg,
    '</svg>',
    '',
  ].join('\n');
}
