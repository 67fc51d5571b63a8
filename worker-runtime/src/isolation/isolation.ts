import type { Logger } from 'pino';
import type { RegisteredTask } from '../worker/run-deps.ts';
import { RunnerPool } from './pool.ts';

/**
 * The runner pools of a worker's isolated tasks: attaches a pool to each task that asked for
 * isolation, warms them before the worker takes tasks, and kills every runner when it stops.
 * Undefined when no task is isolated, so a worker without isolation starts no thread.
 */
export class Isolation {
  private readonly pools: RunnerPool[];

  private constructor(pools: RunnerPool[]) {
    this.pools = pools;
  }

  static attach(tasks: ReadonlyMap<string, RegisteredTask>, log: Logger): Isolation | undefined {
    const pools: RunnerPool[] = [];
    for (const reg of tasks.values()) {
      const o = reg.def.options;
      if (!o.isolation || !o.module) continue;
      const pool = new RunnerPool({ kind: o.isolation, module: o.module, task: reg.def.name, memoryLimitMb: o.memoryLimitMb, logLevel: log.level }, log);
      reg.isolated = pool;
      pools.push(pool);
    }
    return pools.length > 0 ? new Isolation(pools) : undefined;
  }

  /** One loaded runner per isolated task; rejects (naming the task) if a module cannot give its task. */
  async warm(): Promise<void> {
    await Promise.all(
      this.pools.map((p) =>
        p.warm().catch((err: unknown) => {
          throw new Error(`isolated task ${p.spec.task} cannot start its ${p.spec.kind}: ${(err as Error).message}`, { cause: err });
        }),
      ),
    );
  }

  close(): void {
    for (const p of this.pools) p.close();
  }
}
