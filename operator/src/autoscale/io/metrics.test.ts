import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AutoscalerMetrics } from './metrics.ts';

describe('AutoscalerMetrics', () => {
  it('reports desired, current and ready replicas apart, so pods that never become ready show', async () => {
    const registry = new Registry();
    const m = new AutoscalerMetrics(registry);
    m.observe('apps', 'emails-workers', { backlog: 40, desired: 5, current: 5, ready: 2 });
    const text = await registry.metrics();
    expect(text).toContain('celeriac_autoscaler_desired_replicas{namespace="apps",pool="emails-workers"} 5');
    expect(text).toContain('celeriac_autoscaler_current_replicas{namespace="apps",pool="emails-workers"} 5');
    expect(text).toContain('celeriac_autoscaler_ready_replicas{namespace="apps",pool="emails-workers"} 2');
    expect(text).toContain('celeriac_autoscaler_backlog{namespace="apps",pool="emails-workers"} 40');
  });
});
