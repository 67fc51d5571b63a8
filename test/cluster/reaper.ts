// Watchdog for the servers a test run starts. The parent writes "+<pgid> <log dir>" when it starts
// a process group and "-<pgid>" once it has stopped it; when the parent goes away for any reason
// (even SIGKILL, which no handler in the parent sees) our stdin closes and we stop what is left.
// The parent spawns us in our own session, so a Ctrl-C in its terminal does not reach us.
import { readFileSync } from 'node:fs';

const groups = new Map<number, string>();
let pending = '';

process.stdin.on('data', (chunk: Buffer) => {
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const [id = '', dir = ''] = line.slice(1).split(' ', 2);
    const pgid = Number(id);
    if (!Number.isInteger(pgid) || pgid <= 0) continue;
    if (line.startsWith('+')) groups.set(pgid, dir);
    else if (line.startsWith('-')) groups.delete(pgid);
  }
});

function signal(sig: NodeJS.Signals): void {
  for (const pgid of groups.keys()) {
    try {
      process.kill(-pgid, sig);
    } catch {
      groups.delete(pgid); // already gone
    }
  }
}

function alive(pgid: number): boolean {
  try {
    // A killed server whose parent died stays a zombie until something reaps it: not alive.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pgid}/stat`, 'utf8'));
  } catch {
    try {
      process.kill(-pgid, 0); // no /proc: ask the kernel
      return true;
    } catch {
      return false;
    }
  }
}

process.stdin.on('close', () => {
  // The parent's own exit handler usually got there first; then there is nothing to report.
  for (const pgid of groups.keys()) if (!alive(pgid)) groups.delete(pgid);
  if (groups.size === 0) process.exit(0);
  const dirs = [...new Set(groups.values())].join(', ');
  signal('SIGTERM');
  process.stderr.write(`[celeriac] the process that started these servers exited without stopping them; stopped them. Logs: ${dirs}\n`);
  setTimeout(() => {
    signal('SIGKILL');
    process.exit(0);
  }, 3_000);
});
