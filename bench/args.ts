import { parseArgs } from 'node:util';
import { SYSTEM_NAMES, VARIANTS, type SystemName } from './systems/index.ts';

export interface BenchArgs {
  quick: boolean;
  only: string[];
  jsonOnly: boolean;
  runs: number;
  systems: SystemName[];
  /** Also measure each system's variants (VARIANTS) in the scenarios that consume. */
  variants: boolean;
  cpuProf: boolean;
  help: boolean;
}

export const USAGE = `npm run bench -- [options]
  --quick            the issue-3 scenarios, small sizes, one run each (under two minutes)
  --only a,b         only scenarios whose name is or starts with a or b (e.g. drain, latency-noop-2k)
  --json-only        print only the JSON lines (one figure each) on stdout
  --runs N           measured runs per scenario and system (default 3, --quick 1)
  --systems a,b      subset of ${SYSTEM_NAMES.join(', ')}
  --no-variants      only each system's base configuration, not also ${Object.entries(VARIANTS)
    .flatMap(([s, vs]) => vs.map((v) => `${s}/${v}`))
    .join(', ')}
  --cpu-prof         write V8 CPU profiles of the consumer processes to bench/results/profiles/`;

const list = (v: string | string[] | undefined) => [v ?? []].flat().flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      'json-only': { type: 'boolean', default: false },
      runs: { type: 'string' },
      systems: { type: 'string', multiple: true },
      variants: { type: 'boolean', default: true },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const systems = list(values.systems);
  for (const s of systems) if (!(SYSTEM_NAMES as readonly string[]).includes(s)) throw new Error(`unknown system ${s}; known: ${SYSTEM_NAMES.join(', ')}`);
  const runs = values.runs === undefined ? (values.quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be an integer >= 1');
  return {
    quick: values.quick,
    only: list(values.only),
    jsonOnly: values['json-only'],
    runs,
    systems: systems.length > 0 ? (systems as SystemName[]) : [...SYSTEM_NAMES],
    variants: values.variants,
    cpuProf: values['cpu-prof'],
    help: values.help,
  };
}
