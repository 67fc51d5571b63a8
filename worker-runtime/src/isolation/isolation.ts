import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RegisteredTask } from '../worker/run-deps.ts';
import { IsolationMetrics } from './metrics.ts';
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

  /** `metrics`: the worker's registry and queue, where the runners' metrics are exposed. */
  static attach(tasks: ReadonlyMap<string, RegisteredTask>, log: Logger, metrics?: { registry: Registry; queue: string }): Isolation | undefined {
    const pools: RunnerPool[] = [];
    // Registered on every worker, as its other metrics are, so dashboards and alerts find the
    // series names (a worker without isolated tasks exposes them without samples).
    const m = metrics && new IsolationMetrics(metrics.registry, metrics.queue, () => pools.map((p) => ({ task: p.spec.task, kind: p.spec.kind, size: p.size })));
    for (const reg of tasks.values()) {
      const o = reg.def.options;
      if (!o.isolation || !o.module) continue;
      const spec = { kind: o.isolation, module: o.module, task: reg.def.name, memoryLimitMb: o.memoryLimitMb, logLevel: log.level };
      const pool = new RunnerPool(spec, log, m?.events(spec.task, spec.kind));
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
