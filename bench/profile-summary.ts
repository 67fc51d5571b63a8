/**
 * Where the time goes in a V8 CPU profile (from `npm run bench -- --cpu-prof`):
 *   node bench/profile-summary.ts <file.cpuprofile> [--under <function name>] [--top N]
 * Prints self time by package or project file and the hottest functions; with --under, the time
 * spent below each call made by that function (e.g. --under execute for the worker's task path).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), a project file, or a V8/Node internal bucket. */
export function area(url: string): string {
  if (!url) return '(native/gc)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const ours = /\/((?:worker-runtime|bench|test)\/.*)$/.exec(url);
  return ours ? ours[1]! : url;
}

const label = (f: ProfileNode['callFrame']) => `${f.functionName || '(anonymous)'} ${area(f.url)}:${f.lineNumber + 1}`;
const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);

/** Busy time (idle excluded) per sample's leaf node, with each node's parent for walking stacks. */
function walkable(p: Profile) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName !== '(idle)') self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return { byId, parent, self };
}

export function summarize(p: Profile) {
  const { byId, self } = walkable(p);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    busy += us;
    areas.set(area(f.url), (areas.get(area(f.url)) ?? 0) + us);
    fns.set(label(f), (fns.get(label(f)) ?? 0) + us);
  }
  return { busy, byArea: sorted(areas), byFunction: sorted(fns) };
}

/** Time below `fn`, split by the call `fn` made (its direct callee on each stack), '(self)' for its own. */
export function under(p: Profile, fn: string) {
  const { byId, parent, self } = walkable(p);
  const split = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    let callee = '(self)';
    let found = false;
    for (let cur: number | undefined = id, prev: number | undefined; cur !== undefined; prev = cur, cur = parent.get(cur)) {
      if (byId.get(cur)!.callFrame.functionName === fn) {
        found = true;
        callee = prev === undefined ? '(self)' : label(byId.get(prev)!.callFrame);
        break;
      }
    }
    if (!found) continue;
    total += us;
    split.set(callee, (split.get(callee) ?? 0) + us);
  }
  return { total, split: sorted(split) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { under: { type: 'string' }, top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile> [--under <function>] [--top N]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const top = Number(values.top);
  const s = summarize(profile);
  const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  console.log(`busy ${(s.busy / 1e6).toFixed(2)} s (idle excluded)\n\nself time by area:`);
  for (const [a, us] of s.byArea.slice(0, 15)) console.log(`${pct(us, s.busy)}  ${a}`);
  console.log('\nhottest functions (self time):');
  for (const [f, us] of s.byFunction.slice(0, top)) console.log(`${pct(us, s.busy)}  ${f}`);
  if (values.under) {
    const u = under(profile, values.under);
    console.log(`\nbelow ${values.under}: ${(u.total / 1e6).toFixed(2)} s, ${pct(u.total, s.busy).trim()} of busy time`);
    for (const [f, us] of u.split.slice(0, top)) console.log(`${pct(us, u.total)}  ${f}`);
  }
}
