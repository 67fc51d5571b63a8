import { spawn } from 'node:child_process';

/** One of our own programs (operator, worker) run as a plain process by a test. */
export interface AppProcess {
  readonly pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  running(): boolean;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Starts `command` in its own process group with exactly `env` (no inherited variables but PATH
 * and HOME, so a test sees what the image's environment would give the program).
 */
export function startAppProcess(command: string, args: string[], opts: { cwd: string; env: Record<string, string> }): AppProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid ?? -1;
  if (pid > 0) live.add(pid);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      out += `failed to start: ${e.message}\n`;
      done = true;
      resolve(-1);
    });
    child.once('exit', (code) => {
      done = true;
      live.delete(pid);
      resolve(code);
    });
  });
  return {
    pid,
    output: () => out,
    exited,
    running: () => !done,
    async stop(graceMs = 10_000) {
      if (done) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers `status`; fails early, with the output, if `proc` exits. */
export async function waitForHttp(url: string, proc: AppProcess, status = 200, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running()) throw new Error(`process exited (${await proc.exited}) before ${url} answered ${status}:\n${proc.output()}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === status) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url} to answer ${status}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
