/**
 * Where a mass apply's time goes (issue 13): the CPU each server process spends, and the API
 * server's writes by resource, between two snapshots. Read from /proc and the API server's own
 * /metrics, so it needs no profiler and works on any run of bench/operator-scale.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** CPU seconds a process has used (user + system), from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The processes whose command line mentions `marker` (a control plane's temp dir), by program name. */
export function processesMentioning(marker: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    // Cached binaries carry their version (kube-apiserver-v1.36.3): the name alone reads better.
    if (args.some((a) => a.includes(marker))) out.set(basename(args[0]!).replace(/-v?\d+(\.\d+)+$/, ''), Number(entry));
  }
  return out;
}

/** CPU seconds of each named process, now. */
export function cpuOf(pids: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** Write requests (create, update, patch, delete) the API server served, by resource (and subresource) and verb, from its /metrics text. */
export function apiWrites(metricsText: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE'].includes(labels.verb ?? '')) continue;
    const key = `${labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? '?')} ${labels.verb}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** `after` minus `before`, keys with no change left out, largest first. */
export function grown(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...after]
    .map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)])
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1]);
}
