import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The worker's Prometheus metrics, on a registry of its own (several workers in one process,
 * as in tests, must not collide). Label children are cached per task: label lookup by object on
 * every task would cost more than a no-op task itself.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<'queue' | 'task'>;
  private readonly succeeded: Counter<'queue' | 'task'>;
  private readonly failed: Counter<'queue' | 'task'>;
  private readonly retried: Counter<'queue' | 'task'>;
  private readonly dead: Counter<'queue' | 'task' | 'reason'>;
  private readonly duration: Histogram<'queue' | 'task' | 'outcome'>;
  readonly inFlight: Gauge<'queue'>;
  private readonly children = new Map<string, TaskMetrics>();
  private readonly queue: string;

  constructor(queue: string, opts: { processMetrics?: boolean } = {}) {
    this.queue = queue;
    const registers = [this.registry];
    this.started = new Counter({ name: 'celeriac_tasks_started_total', help: 'Task attempts started', labelNames: ['queue', 'task'], registers });
    this.succeeded = new Counter({ name: 'celeriac_tasks_succeeded_total', help: 'Tasks that succeeded', labelNames: ['queue', 'task'], registers });
    this.failed = new Counter({ name: 'celeriac_tasks_failed_total', help: 'Task attempts that failed', labelNames: ['queue', 'task'], registers });
    this.retried = new Counter({ name: 'celeriac_tasks_retried_total', help: 'Failed attempts scheduled for retry', labelNames: ['queue', 'task'], registers });
    this.dead = new Counter({
      name: 'celeriac_tasks_dead_lettered_total',
      help: 'Tasks moved to the dead-letter stream, by reason',
      labelNames: ['queue', 'task', 'reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'celeriac_task_duration_seconds',
      help: 'Handler run time per attempt',
      labelNames: ['queue', 'task', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.inFlight = new Gauge({ name: 'celeriac_tasks_in_flight', help: 'Tasks running now', labelNames: ['queue'], registers });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  task(name: string): TaskMetrics {
    let m = this.children.get(name);
    if (!m) {
      const l = { queue: this.queue, task: name };
      m = {
        started: this.started.labels(l),
        succeeded: this.succeeded.labels(l),
        failed: this.failed.labels(l),
        retried: this.retried.labels(l),
        okDuration: this.duration.labels({ ...l, outcome: 'succeeded' }),
        errDuration: this.duration.labels({ ...l, outcome: 'failed' }),
      };
      this.children.set(name, m);
    }
    return m;
  }

  deadLettered(task: string, reason: string): void {
    this.dead.inc({ queue: this.queue, task, reason });
  }
}

export interface TaskMetrics {
  started: { inc(): void };
  succeeded: { inc(): void };
  failed: { inc(): void };
  retried: { inc(): void };
  okDuration: { observe(v: number): void };
  errDuration: { observe(v: number): void };
}
