/**
 * `npm run bench`: Celeriac, raw JetStream and BullMQ side by side, on servers this script starts
 * (nats-server from the project's pinned build, redis-server from Debian's packages). See
 * docs/benchmarks.md for what each scenario means and the latest results.
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startNats } from '../test/support/nats.ts';
import { versions } from '../test/support/binaries.ts';
import { USAGE, parseBenchArgs } from './args.ts';
import { fullScenarios, quickScenarios, selectScenarios } from './catalog.ts';
import { renderChart } from './chart.ts';
import { describeEnvironment } from './environment.ts';
import { startRedis, type RedisServer } from './redis.ts';
import { jsonLines, renderEnvironment, renderTable, renderTargets, writeResults } from './report.ts';
import type { ScenarioResult } from './results.ts';
import { runScenario } from './runner.ts';
import { VARIANTS, laneLabel, openSystem, type Lane, type System } from './systems/index.ts';
import { evaluateTargets } from './targets.ts';

const args = parseBenchArgs(process.argv.slice(2));
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const log = (line: string) => process.stderr.write(line + '\n');
const here = import.meta.dirname;
const scenarios = selectScenarios(args.quick ? quickScenarios() : fullScenarios(), args.only);
// A partial run must not overwrite the full results the docs point at.
const partial = args.quick || args.only.length > 0;
const files = partial
  ? { jsonl: join(here, 'results', 'partial.jsonl'), environment: join(here, 'results', 'partial-environment.json'), svg: join(here, 'results', 'partial.svg') }
  : { jsonl: join(here, 'results', 'latest.jsonl'), environment: join(here, 'results', 'latest-environment.json'), svg: join(here, '..', 'docs', 'benchmarks.svg') };

const started = Date.now();
const nats = await startNats();
let redis: RedisServer | undefined;
const systems = new Map<string, System>();
try {
  if (args.systems.includes('bullmq')) redis = await startRedis(log);
  const endpoints = { natsUrl: nats.url, ...(redis ? { redis: { host: redis.host, port: redis.port } } : {}) };
  const lanes: Lane[] = args.systems.flatMap((system) => [{ system }, ...(args.variants ? VARIANTS[system].map((variant) => ({ system, variant })) : [])]);
  for (const lane of lanes) {
    try {
      systems.set(laneLabel(lane), await openSystem(lane, endpoints));
    } catch (e) {
      log(`[bench] skipping ${laneLabel(lane)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const measured = [...new Set([...systems.values()].map((s) => s.name))];
  const env = describeEnvironment({ natsServer: versions().NATS_SERVER_VERSION ?? 'unknown', ...(redis ? { redisServer: redis.version } : {}) });
  if (!args.jsonOnly) log(`[bench] ${renderEnvironment(env)}\n[bench] ${scenarios.length} scenarios x ${[...systems.keys()].join(', ')}, ${args.runs} run(s) each`);
  const execArgv = [...process.execArgv, ...(args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(here, 'results', 'profiles')] : [])];
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const t = Date.now();
    const rs = await runScenario(scenario, [...systems.values()], { runs: args.runs, endpoints, execArgv, timeoutMs: args.quick ? 60_000 : 300_000 });
    for (const r of rs) {
      results.push(r);
      console.log(jsonLines(r));
      if (!args.jsonOnly && r.error) log(`[bench] ${scenario.name} / ${laneLabel(r)}: FAILED ${r.error}`);
    }
    if (!args.jsonOnly) log(`[bench] ${scenario.name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  env.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const svg = renderChart(results, measured, `${env.cores} cores, ${env.date.slice(0, 10)}, ${args.runs} run(s), medians; ${partial ? 'partial run' : 'full run'}`);
  await writeResults(files, results, env, svg);
  if (!args.jsonOnly) {
    console.log(`\n${renderEnvironment(env)}\n\n${renderTable(results, measured)}\n\nTargets:\n${renderTargets(evaluateTargets(results))}`);
    console.log(`\nwrote ${files.jsonl}, ${files.svg} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
} finally {
  await Promise.all([...systems.values()].map((s) => s.close().catch(() => undefined)));
  await redis?.stop();
  await nats.stop();
}
