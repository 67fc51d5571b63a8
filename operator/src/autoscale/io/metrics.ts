import { Counter, Gauge, type Registry } from 'prom-client';

/** The autoscaler's Prometheus metrics: what it saw, what it wants, what it did. */
export class AutoscalerMetrics {
  private readonly backlog: Gauge<'namespace' | 'pool'>;
  private readonly desired: Gauge<'namespace' | 'pool'>;
  private readonly current: Gauge<'namespace' | 'pool'>;
  private readonly ready: Gauge<'namespace' | 'pool'>;
  private readonly scales: Counter<'namespace' | 'pool' | 'direction'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['namespace', 'pool'] as const;
    this.backlog = new Gauge({ name: 'celeriac_autoscaler_backlog', help: 'Backlog the autoscaler last read for the pool', labelNames, registers });
    this.desired = new Gauge({ name: 'celeriac_autoscaler_desired_replicas', help: 'Replicas the autoscaler wants', labelNames, registers });
    this.current = new Gauge({ name: 'celeriac_autoscaler_current_replicas', help: 'Replicas of the pool Deployment', labelNames, registers });
    // Current is the Deployment's spec; pods that never become ready (quota, capacity, image
    // pulls) only show against its ready count: the CeleriacPoolCannotScale alert compares them.
    this.ready = new Gauge({ name: 'celeriac_autoscaler_ready_replicas', help: 'Ready pods of the pool Deployment', labelNames, registers });
    this.scales = new Counter({ name: 'celeriac_autoscaler_scale_total', help: 'Scaling actions', labelNames: ['namespace', 'pool', 'direction'], registers });
  }

  observe(namespace: string, pool: string, v: { backlog: number | undefined; desired: number; current: number; ready: number }): void {
    if (v.backlog !== undefined) this.backlog.set({ namespace, pool }, v.backlog);
    this.desired.set({ namespace, pool }, v.desired);
    this.current.set({ namespace, pool }, v.current);
    this.ready.set({ namespace, pool }, v.ready);
  }

  scaled(namespace: string, pool: string, direction: 'up' | 'down'): void {
    this.scales.inc({ namespace, pool, direction });
  }
}
