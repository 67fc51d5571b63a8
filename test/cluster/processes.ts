import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A server the harness started, in its own process group, logging to one file. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with how the process ended ("exit code 1", "signal SIGKILL", a spawn error). */
  readonly exited: Promise<string>;
  running(): boolean;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const reaperScript = join(dirname(fileURLToPath(import.meta.url)), 'reaper.ts');

// Every live group, with the log dir to report if it is left behind. One set per Node process,
// shared by every control plane it starts.
const live = new Map<number, string>();
let reaper: ChildProcess | undefined;
let guarded = false;

function tellReaper(line: string): void {
  if (!reaper) {
    // Servers run in their own sessions (so a terminal's Ctrl-C reaches us, not them); this
    // watchdog stops them if we die without cleaning up, which no handler of ours could do.
    reaper = spawn(process.execPath, [reaperScript], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
    reaper.unref();
    reaper.stdin?.on('error', () => {}); // a dead watchdog must not take the test run down
    (reaper.stdin as unknown as Socket | null)?.unref();
  }
  reaper.stdin?.write(line + '\n');
}

function killAllNow(): void {
  const dirs = new Set(live.values());
  for (const pgid of live.keys()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (live.size > 0) console.error(`[celeriac] stopped servers left running at exit; logs kept in ${[...dirs].join(', ')}`);
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  // Only stand in for the default action (terminate): when a test runner or CLI listens for the
  // signal itself, it decides, and our exit handler and watchdog still clean up after it.
  if (process.listenerCount(sig) > 1) return;
  killAllNow();
  process.off(sig, onSignal);
  process.kill(process.pid, sig);
}

function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  /** Directory for `<name>.log`, and the one reported if the process is left behind. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
}

export function startProcess(opts: StartProcessOptions): ServerProcess {
  guard();
  const logPath = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      detached: true, // its own process group: stop() and the watchdog signal the whole group
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid ?? -1;
  child.unref();
  if (pid > 0) {
    live.set(pid, opts.logDir);
    tellReaper(`+${pid} ${opts.logDir}`);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    child.once('exit', (code, signal) => {
      live.delete(pid);
      tellReaper(`-${pid}`);
      resolve(signal ? `signal ${signal}` : `exit code ${code}`);
    });
  });
  let done = false;
  void exited.then(() => (done = true));

  return {
    name: opts.name,
    pid,
    logPath,
    exited,
    running: () => !done,
    logTail(lines = 30) {
      try {
        return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop(graceMs = 5_000) {
      if (done || pid <= 0) return;
      child.ref(); // an unref'd child alone would let Node exit before we see it go
      const signalGroup = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          // already gone
        }
      };
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
