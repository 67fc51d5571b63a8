import { DEFAULTS } from '../defaults.ts';
import type { TaskContext } from '../task.ts';
import { spawnProcess, spawnThread, type RunnerTransport } from './spawn.ts';
import { fromWireError, toWireError, type FromRunner } from './wire.ts';

/** What an isolated runner loads: the task's module and name, where, and under which heap limit. */
export interface RunnerSpec {
  kind: 'thread' | 'process';
  module: string;
  task: string;
  memoryLimitMb?: number | undefined;
  logLevel: string;
}

interface Call {
  ctx: TaskContext;
  /** Stops forwarding the attempt's signal: the runner goes on to other attempts. */
  detach(): void;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * One warm thread or child process that runs a task's attempts one at a time. It dies by kill()
 * (the hard limit, shutdown) or on its own (out of memory, a crash); either way the attempt it was
 * running fails and its pool starts another.
 */
export class Runner {
  /** Resolves once the task's module is loaded in the runner; rejects if it cannot be. */
  readonly ready: Promise<void>;
  dead = false;
  /** Its module loaded: a runner that dies after this is worth replacing; one that never loaded is not. */
  loaded = false;
  /** The child's pid or the thread's id, for logs. */
  readonly id: number | undefined;
  private readonly transport: RunnerTransport;
  private readonly onDeath: (r: Runner, err: Error, killed: boolean) => void;
  private killed = false;
  private call: Call | undefined;
  private settleReady!: (err?: Error) => void;

  /** `onDeath` hears why it ended, and whether kill() ended it. */
  constructor(spec: RunnerSpec, onDeath: (r: Runner, err: Error, killed: boolean) => void) {
    this.onDeath = onDeath;
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (err) => (err ? reject(err) : resolve());
    });
    const spawn = spec.kind === 'thread' ? spawnThread : spawnProcess;
    this.transport = spawn({ memoryLimitMb: spec.memoryLimitMb, onMessage: (m) => this.onMessage(m), onDeath: (err) => this.die(err) });
    this.id = this.transport.id;
    this.transport.send({ type: 'init', module: spec.module, task: spec.task, logLevel: spec.logLevel });
    // A module that hangs while loading would hold the pool's first attempt for ever.
    const startTimer = setTimeout(() => this.kill(new Error(`isolated runner of task ${spec.task} did not load ${spec.module} in ${DEFAULTS.isolatedRunnerStartTimeoutMs} ms`)), DEFAULTS.isolatedRunnerStartTimeoutMs);
    startTimer.unref();
    this.ready.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );
  }

  /** Runs one attempt; the result or error comes back by message. Abort of ctx.signal is forwarded. */
  run(payload: unknown, ctx: TaskContext): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error('isolated runner is dead'));
    if (this.call) return Promise.reject(new Error('isolated runner is busy'));
    return new Promise<unknown>((resolve, reject) => {
      const signal = ctx.signal;
      const forward = () => this.transport.send({ type: 'abort', reason: toWireError(signal.reason) });
      this.call = { ctx, resolve, reject, detach: () => signal.removeEventListener('abort', forward) };
      const { id, name, attempt, maxAttempts, metadata } = ctx;
      this.transport.send({ type: 'run', payload, ctx: { id, name, attempt, maxAttempts, metadata } });
      if (signal.aborted) forward();
      else signal.addEventListener('abort', forward, { once: true });
    });
  }

  /** Stops the runner now; its running attempt (if any) fails with `reason`. */
  kill(reason: Error): void {
    if (this.dead) return;
    this.killed = true;
    this.transport.kill();
    this.die(reason);
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.settleReady(err);
    const call = this.call;
    this.call = undefined;
    call?.detach();
    call?.reject(err);
    this.onDeath(this, err, this.killed);
  }

  private onMessage(m: FromRunner): void {
    switch (m.type) {
      case 'ready':
        this.loaded = true;
        return this.settleReady();
      case 'setup-failed':
        this.kill(fromWireError(m.error));
        return;
      case 'progress':
        this.call?.ctx.progress(m.value).catch(() => undefined);
        return;
      case 'done': {
        const call = this.call;
        this.call = undefined;
        call?.detach();
        if (m.ok) call?.resolve(m.value);
        else call?.reject(fromWireError(m.error));
      }
    }
  }
}
