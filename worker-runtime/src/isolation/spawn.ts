import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { IsolatedRunnerError, MemoryLimitError } from '../errors.ts';
import type { FromRunner, ToRunner } from './wire.ts';

/** One started thread or child process, as the worker drives it. */
export interface RunnerTransport {
  /** The child's pid or the thread's threadId (undefined: a fork that never started). */
  readonly id: number | undefined;
  send(m: ToRunner): void;
  /** Stops it now, whatever it is doing: the thread is terminated, the process SIGKILLed. */
  kill(): void;
}

export interface SpawnOptions {
  memoryLimitMb?: number | undefined;
  onMessage(m: FromRunner): void;
  /** It ended without kill(): why, as the error its running attempt (if any) fails with. */
  onDeath(err: Error): void;
}

// The entries sit beside this file; compiled into the npm package they are .js, as this file is.
const entry = (name: string) => new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export function spawnThread(o: SpawnOptions): RunnerTransport {
  let killed = false;
  const t = new Thread(entry('thread-entry'), o.memoryLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: o.memoryLimitMb } } : {});
  let died: Error | undefined;
  t.on('message', (m: FromRunner) => o.onMessage(m));
  t.on('error', (err: Error & { code?: string }) => {
    died ??=
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new MemoryLimitError(`isolated task exceeded its memory limit of ${o.memoryLimitMb} MiB (thread heap)`)
        : new IsolatedRunnerError(`isolated task's thread crashed: ${err.message}`);
  });
  t.on('exit', (code) => {
    if (!killed) o.onDeath(died ?? new IsolatedRunnerError(`isolated task's thread exited with code ${code}`));
  });
  return {
    id: t.threadId,
    send: (m) => t.postMessage(m),
    kill: () => {
      killed = true;
      void t.terminate();
    },
  };
}

/** What V8 prints when a heap outgrows --max-old-space-size, before it aborts the process. */
const OOM = /heap out of memory|Allocation failed/;

export function spawnProcess(o: SpawnOptions): RunnerTransport {
  let killed = false;
  // execArgv replaces the worker's own (a debugger port, a loader) rather than inheriting it.
  const execArgv = o.memoryLimitMb ? [`--max-old-space-size=${o.memoryLimitMb}`] : [];
  const child = fork(entry('process-entry'), [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  // Passed through to the worker's stderr; its tail tells an out-of-memory abort from other deaths.
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    tail = (tail + d.toString()).slice(-4096);
  });
  child.on('message', (m) => o.onMessage(m as FromRunner));
  // An IPC send to a child that just died fails asynchronously; its close reports the death. A
  // fork that never started (no pid: EAGAIN, ENOMEM) may never close: report it here.
  child.on('error', (err) => {
    if (child.pid === undefined && !killed) o.onDeath(new IsolatedRunnerError(`isolated task's process could not start: ${err.message}`));
  });
  // 'close', not 'exit': the stderr tail is complete only once the pipes are closed.
  child.on('close', (code, signal) => {
    if (killed) return;
    const oom = OOM.test(tail) || (o.memoryLimitMb !== undefined && signal === 'SIGABRT');
    o.onDeath(
      oom
        ? new MemoryLimitError(`isolated task exceeded its memory limit of ${o.memoryLimitMb ?? 'default'} MiB (process heap)`)
        : new IsolatedRunnerError(`isolated task's process exited (${signal ?? `code ${code}`})`),
    );
  });
  return {
    id: child.pid,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    kill: () => {
      killed = true;
      child.kill('SIGKILL');
    },
  };
}
