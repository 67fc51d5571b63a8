import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The `result` label of reconcile_total: one value per Outcome kind. */
export type ReconcileResultLabel = 'success' | 'requeue_after' | 'retry_later' | 'invalid_spec' | 'error';

/**
 * The controller runtime's metrics, named after controller-runtime's so existing dashboards
 * translate. Create one per registry (prom-client refuses duplicate names) and share it.
 */
export class ControllerMetrics {
  readonly #reconciles: Counter<'controller' | 'result'>;
  readonly #errors: Counter<'controller'>;
  readonly #duration: Histogram<'controller'>;
  readonly #depth: Gauge<'name'>;
  readonly #leader: Gauge;
  readonly #depthSources = new Map<string, () => number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#reconciles = new Counter({
      name: 'celeriac_operator_reconcile_total',
      help: 'Reconciles by controller and result',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.#errors = new Counter({
      name: 'celeriac_operator_reconcile_errors_total',
      help: 'Reconciles that threw, by controller',
      labelNames: ['controller'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'celeriac_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile',
      labelNames: ['controller'],
      // Reconciles are API and JetStream round trips: milliseconds to a few seconds.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const sources = this.#depthSources;
    this.#depth = new Gauge({
      name: 'celeriac_operator_workqueue_depth',
      help: 'Keys waiting in a controller workqueue',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, depth] of sources) this.set({ name }, depth());
      },
    });
    this.#leader = new Gauge({
      name: 'celeriac_operator_leader',
      help: '1 while this replica holds the leader lease',
      registers,
    });
    this.#leader.set(0);
  }

  observeReconcile(controller: string, result: ReconcileResultLabel, seconds: number): void {
    this.#reconciles.inc({ controller, result });
    if (result !== 'success' && result !== 'requeue_after') this.#errors.inc({ controller });
    this.#duration.observe({ controller }, seconds);
  }

  /** Reports `depth()` as the queue depth of `name` at each scrape; returns the unregister. */
  trackQueueDepth(name: string, depth: () => number): () => void {
    this.#depthSources.set(name, depth);
    return () => {
      this.#depthSources.delete(name);
      this.#depth.remove({ name });
    };
  }

  setLeader(leading: boolean): void {
    this.#leader.set(leading ? 1 : 0);
  }
}
