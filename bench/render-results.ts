/**
 * Renders a saved bench result as Markdown (environment, table, targets) and rewrites its chart:
 *   node bench/render-results.ts [bench/results/latest.jsonl] [--svg docs/benchmarks.svg]
 * docs/benchmarks.md pastes this output, so the doc always matches a results file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from './chart.ts';
import type { Environment } from './environment.ts';
import { renderEnvironment, renderTable, renderTargets } from './report.ts';
import { fromFigureLines, type FigureLine } from './results.ts';
import { SYSTEM_NAMES } from './systems/index.ts';
import { evaluateTargets } from './targets.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { svg: { type: 'string' } } });
const file = positionals[0] ?? join(import.meta.dirname, 'results', 'latest.jsonl');
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as FigureLine);
const results = fromFigureLines(lines);
const env = JSON.parse(readFileSync(file.replace(/\.jsonl$/, '-environment.json'), 'utf8')) as Environment;
const systems = SYSTEM_NAMES.filter((s) => results.some((r) => r.system === s));
console.log(`${renderEnvironment(env)}\n\n${renderTable(results, systems)}\n\nTargets:\n\n${renderTargets(evaluateTargets(results))}`);
if (values.svg) {
  const runs = Math.max(...results.map((r) => r.runs));
  writeFileSync(values.svg, renderChart(results, systems, `${env.cores} cores, ${env.date.slice(0, 10)}, ${runs} run(s), medians`));
}
