import type { Logger } from 'pino';
import type { TaskContext } from '../task.ts';
import type { RunnerEvents } from './metrics.ts';
import { runnerEnd } from './runner-end.ts';
import { Runner, type RunnerSpec } from './runner.ts';

/** One isolated attempt as the worker's Attempt drives it. */
export interface IsolatedCall {
  result: Promise<unknown>;
  /** Kills the runner (the hard limit passed); the result then rejects with `reason`. */
  kill(reason: Error): void;
}

/**
 * The warm runners of one isolated task. A runner is started when an attempt finds none idle (at
 * most the worker's concurrency exist, since each runs one attempt), kept after its attempt for
 * the next one, and replaced in the background when it is killed or dies, so the pool stays warm.
 */
export class RunnerPool {
  readonly spec: RunnerSpec;
  private readonly idle: Runner[] = [];
  /** Replacements still loading their module, not yet taken by an attempt: taken before starting another. */
  private readonly spare: Runner[] = [];
  private readonly all = new Set<Runner>();
  private readonly log: Logger;
  private readonly events: RunnerEvents | undefined;
  private closed = false;

  constructor(spec: RunnerSpec, log: Logger, events?: RunnerEvents) {
    this.spec = spec;
    this.log = log;
    this.events = events;
  }

  get size(): number {
    return this.all.size;
  }

  /** Runs one attempt in a warm runner (or a new one). */
  run(payload: unknown, ctx: TaskContext): IsolatedCall {
    let runner: Runner | undefined;
    let killed: Error | undefined;
    const result = this.acquire().then((r) => {
      if (killed) {
        this.release(r);
        throw killed;
      }
      runner = r;
      return r.run(payload, ctx).finally(() => this.release(r));
    });
    return {
      result,
      kill: (reason) => {
        killed ??= reason;
        runner?.kill(reason);
      },
    };
  }

  /** Starts one runner and waits until its module is loaded: a worker fails at start, not at its first task, if it cannot be. */
  async warm(): Promise<void> {
    if (this.all.size > 0) return;
    const r = this.start();
    await r.ready;
    this.release(r);
  }

  /** Kills every runner: the worker is stopping, after its drain. */
  close(): void {
    this.closed = true;
    for (const r of [...this.all]) r.kill(new Error('worker stopped'));
    this.idle.length = 0;
    this.spare.length = 0;
  }

  private async acquire(): Promise<Runner> {
    const idle = this.idle.pop();
    if (idle) return idle;
    const r = this.spare.shift() ?? this.start();
    await r.ready;
    return r;
  }

  private release(r: Runner): void {
    if (!r.dead && !this.closed) this.idle.push(r);
  }

  private start(): Runner {
    if (this.closed) throw new Error('worker stopped');
    const spawnedAt = performance.now();
    const r = new Runner(this.spec, (dead, err, killed) => this.onDeath(dead, err, killed));
    this.all.add(r);
    r.ready.then(
      () => this.events?.started((performance.now() - spawnedAt) / 1000),
      () => undefined,
    );
    return r;
  }

  private onDeath(r: Runner, err: Error, killed: boolean): void {
    const reason = runnerEnd(err, killed, this.closed);
    this.events?.ended(reason);
    const fields = { task: this.spec.task, kind: this.spec.kind, id: r.id, reason, error: err.message };
    if (reason === 'shutdown') this.log.debug(fields, 'isolated runner ended');
    else this.log.warn(fields, 'isolated runner ended');
    this.all.delete(r);
    remove(this.idle, r);
    remove(this.spare, r);
    // Only a runner that had loaded its module is replaced: one that could not load would fail again, in a loop.
    if (this.closed || !r.loaded) return;
    const next = this.start();
    this.spare.push(next);
    next.ready.then(
      () => remove(this.spare, next) && this.release(next),
      (err: unknown) => this.log.warn({ err, task: this.spec.task }, 'could not replace isolated runner'),
    );
  }
}

function remove<T>(list: T[], x: T): boolean {
  const i = list.indexOf(x);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}
