import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from 'celeriac/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workerBin = join(root, 'worker-runtime', 'bin', 'celeriac-worker.js');

/** One celeriac-worker process, as a pod would run it. */
export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly httpPort: number;
  /** Exit code, or the signal's name when killed. */
  readonly exited: Promise<number | string>;
  /** The process' log lines (pino JSON), for failure reports and for counting events. */
  output(): string;
  /** GET /readyz: true on 200, false on 503 or when the process does not answer. */
  ready(): Promise<boolean>;
  /** celeriac_tasks_succeeded_total summed over tasks, from /metrics; undefined if unreachable. */
  succeeded(): Promise<number | undefined>;
}

export interface FleetOptions {
  natsUrls: string[];
  queue: string;
  /** Task module paths, relative to the repo root. */
  taskModules: string[];
  size: number;
  /** Extra env for every worker (CELERIAC_CONCURRENCY, CELERIAC_DEFAULT_RETRY, ...). */
  env?: Record<string, string>;
  /** Prefix of worker names; each gets `<prefix>-<n>`. */
  namePrefix?: string;
  /** Replace a worker that exits by itself, as a Deployment replaces a crashed pod. */
  restartOnExit?: boolean;
}

/**
 * A set of worker processes on one queue, like the pods of a WorkerPool: kill one (SIGKILL, as an
 * OOM kill or a node loss does) and `replace` it, as the Deployment controller would.
 */
export interface WorkerFleet {
  readonly workers: readonly WorkerProcess[];
  /** Starts one more worker; `env` overrides the fleet's (e.g. a NATS_URL naming one node). */
  add(env?: Record<string, string>): Promise<WorkerProcess>;
  /** Kills a worker and removes it from `workers`; resolves once it has exited. */
  kill(w: WorkerProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Every worker reports ready. */
  allReady(): Promise<boolean>;
  /** SIGTERM to every worker (graceful drain), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Log lines of every worker ever started, dead ones included. */
  output(): string;
  /** Workers that exited by themselves (not through `kill` or `stop`), with their exit code or signal. */
  readonly crashes: ReadonlyArray<{ name: string; exit: number | string }>;
}

export async function startWorkerFleet(opts: FleetOptions): Promise<WorkerFleet> {
  const workers: WorkerProcess[] = [];
  const everStarted: WorkerProcess[] = [];
  const crashes: Array<{ name: string; exit: number | string }> = [];
  const stopping = new Set<WorkerProcess>();
  let stopped = false;
  let n = 0;
  const add = async (env: Record<string, string> = {}): Promise<WorkerProcess> => {
    const name = `${opts.namePrefix ?? 'w'}-${++n}`;
    const httpPort = await freePort();
    const child = spawn(process.execPath, [workerBin, ...opts.taskModules], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: opts.natsUrls.join(','),
        CELERIAC_QUEUE: opts.queue,
        CELERIAC_WORKER_NAME: name,
        CELERIAC_HTTP_HOST: '127.0.0.1',
        CELERIAC_HTTP_PORT: String(httpPort),
        LOG_LEVEL: process.env.CELERIAC_TEST_LOG ?? 'info',
        ...opts.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    const collect = (b: Buffer) => chunks.push(b.toString());
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    const base = `http://127.0.0.1:${httpPort}`;
    const w: WorkerProcess = {
      name,
      child,
      httpPort,
      exited,
      output: () => chunks.join(''),
      ready: async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.status === 200,
      succeeded: async () => {
        const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        if (!res?.ok) return undefined;
        const text = await res.text();
        let sum = 0;
        for (const m of text.matchAll(/^celeriac_tasks_succeeded_total\{[^}]*\} (\d+)/gm)) sum += Number(m[1]);
        return sum;
      },
    };
    workers.push(w);
    everStarted.push(w);
    void exited.then((exit) => {
      if (stopping.has(w) || stopped) return;
      crashes.push({ name, exit });
      const i = workers.indexOf(w);
      if (i >= 0) workers.splice(i, 1);
      if (opts.restartOnExit) void add();
    });
    return w;
  };
  for (let i = 0; i < opts.size; i++) await add();

  const kill = async (w: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL') => {
    stopping.add(w);
    const i = workers.indexOf(w);
    if (i >= 0) workers.splice(i, 1);
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
    await w.exited;
  };
  return {
    workers,
    add,
    kill,
    allReady: async () => (await Promise.all(workers.map((w) => w.ready()))).every(Boolean),
    crashes,
    async stop(graceMs = 10_000) {
      stopped = true;
      const all = workers.splice(0);
      await Promise.all(
        all.map(async (w) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return;
          w.child.kill('SIGTERM');
          const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
          await w.exited;
          clearTimeout(timer);
        }),
      );
    },
    output: () => everStarted.map((w) => `--- ${w.name}\n${w.output()}`).join('\n'),
  };
}
