import { Counter, Gauge, type Registry } from 'prom-client';

/** The per-key concurrency metrics of one worker, on the worker's registry (its /metrics). */
export class KeyMetrics {
  private readonly handed: Counter<'queue' | 'task'>;
  private readonly queue: string;

  constructor(registry: Registry, queue: string, now: { waiting(): number; held(): number }) {
    this.queue = queue;
    const registers = [registry];
    this.handed = new Counter({
      name: 'celeriac_key_handed_back_total',
      help: 'Tasks handed back because their concurrency key stayed full (no attempt used)',
      labelNames: ['queue', 'task'],
      registers,
    });
    new Gauge({
      name: 'celeriac_key_waiting',
      help: "Tasks waiting in this worker's slots for a slot of their concurrency key",
      labelNames: ['queue'],
      registers,
      collect() {
        this.set({ queue }, now.waiting());
      },
    });
    new Gauge({
      name: 'celeriac_key_slots_held',
      help: 'Concurrency key slots this worker holds (its running tasks with a per-key limit)',
      labelNames: ['queue'],
      registers,
      collect() {
        this.set({ queue }, now.held());
      },
    });
  }

  handedBack(task: string): void {
    this.handed.inc({ queue: this.queue, task });
  }
}
