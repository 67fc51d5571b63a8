import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunnerEnd } from './runner-end.ts';

/** What a pool reports about its runners; the worker's metrics and log take it from here. */
export interface RunnerEvents {
  /** A runner loaded its module, this long after it was spawned. */
  started(seconds: number): void;
  ended(reason: RunnerEnd): void;
}

type Labels = 'queue' | 'task' | 'kind';

/**
 * Isolation's Prometheus metrics, on the worker's registry. Runners start and end rarely (at
 * worker start, after a kill or a crash), so prom-client's own counters are cheap enough here;
 * the gauge reads each pool's size at scrape time.
 */
export class IsolationMetrics {
  private readonly ends: Counter<Labels | 'reason'>;
  private readonly starts: Histogram<Labels>;
  private readonly queue: string;

  constructor(registry: Registry, queue: string, pools: () => Iterable<{ task: string; kind: string; size: number }>) {
    this.queue = queue;
    const registers = [registry];
    new Gauge({
      name: 'celeriac_isolated_runners',
      help: 'Isolated runners (worker threads or child processes) alive now, busy or warm',
      labelNames: ['queue', 'task', 'kind'],
      registers,
      collect() {
        for (const p of pools()) this.set({ queue, task: p.task, kind: p.kind }, p.size);
      },
    });
    this.ends = new Counter({
      name: 'celeriac_isolated_runners_ended_total',
      help: 'Isolated runners that ended, by reason: time-limit, cancelled, memory, crashed, start-failed, shutdown',
      labelNames: ['queue', 'task', 'kind', 'reason'],
      registers,
    });
    this.starts = new Histogram({
      name: 'celeriac_isolated_runner_start_seconds',
      help: 'Time from spawning an isolated runner to its task module loaded',
      labelNames: ['queue', 'task', 'kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  }

  /** The events of one task's pool. */
  events(task: string, kind: string): RunnerEvents {
    const labels = { queue: this.queue, task, kind };
    return {
      started: (seconds) => this.starts.observe(labels, seconds),
      ended: (reason) => this.ends.inc({ ...labels, reason }),
    };
  }
}
