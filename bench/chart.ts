import { formatValue } from './format.ts';
import { lanesOf, sameLane, type ScenarioResult } from './results.ts';
import { laneLabel, type Lane, type SystemName } from './systems/index.ts';

const COLORS: Record<SystemName, string> = { celeriac: '#2e7d32', 'raw-jetstream': '#1565c0', bullmq: '#c62828' };
/** A variant in its system's colour, lighter. */
const VARIANT_COLORS: Record<SystemName, string> = { celeriac: '#81c784', 'raw-jetstream': '#64b5f6', bullmq: '#e57373' };
const colorOf = (l: Lane) => (l.variant ? VARIANT_COLORS : COLORS)[l.system];
const BAR = 11;
const LABEL_W = 205;
const PLOT_W = 560;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

interface Row {
  label: string;
  bars: { lane: Lane; value: number; unit: string }[];
}

function rowsFor(results: readonly ScenarioResult[], metric: string, scenarios: string[], lanes: readonly Lane[]): Row[] {
  return scenarios.map((s) => ({
    label: s,
    bars: lanes.flatMap((lane) => {
      const m = results.find((r) => r.scenario === s && sameLane(r, lane) && !r.error)?.metrics.find((x) => x.metric === metric);
      return m ? [{ lane, value: m.median, unit: m.unit }] : [];
    }),
  }));
}

/** One panel of grouped horizontal bars; each row is scaled to its own largest bar (the numbers carry the comparison). */
function panel(title: string, rows: Row[], lanes: readonly Lane[], y0: number): { svg: string; height: number } {
  const parts = [`<text x="10" y="${y0 + 16}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  let y = y0 + 30;
  for (const row of rows) {
    const max = Math.max(...row.bars.map((b) => b.value), 1e-9);
    const present = lanes.filter((l) => row.bars.some((b) => b.lane === l));
    parts.push(`<text x="10" y="${y + (present.length * (BAR + 2)) / 2 + 4}" font-size="12">${esc(row.label)}</text>`);
    for (const lane of present) {
      const b = row.bars.find((x) => x.lane === lane);
      if (b) {
        const w = Math.max(1, (b.value / max) * PLOT_W);
        parts.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${colorOf(lane)}"/>`);
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
  const lanes = lanesOf(results, systems);
  const legend = lanes
    .map((l, k) => {
      const x = 10 + (k % 4) * 200;
      const y = 40 + Math.floor(k / 4) * 16;
      return `<rect x="${x}" y="${y}" width="12" height="12" fill="${colorOf(l)}"/><text x="${x + 18}" y="${y + 10}" font-size="12">${esc(laneLabel(l))}</text>`;
    })
    .join('\n');
  const y0 = 60 + Math.floor((lanes.length - 1) / 4) * 16;
  const top = panel('Throughput, median (tasks/s, higher is better)', rowsFor(results, 'throughput', throughput, lanes), lanes, y0);
  const bottom = panel('Enqueue-to-start latency p99, median (ms, lower is better)', rowsFor(results, 'p99', latency, lanes), lanes, y0 + top.height + 10);
  const height = y0 + top.height + 10 + bottom.height + 10;
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
