import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.ts';

describe('ControllerMetrics', () => {
  it('counts reconciles by result, errors, durations and live queue depth', async () => {
    const registry = new Registry();
    const m = new ControllerMetrics(registry);
    m.observeReconcile('taskqueue', 'success', 0.02);
    m.observeReconcile('taskqueue', 'error', 0.3);
    m.observeReconcile('taskqueue', 'invalid_spec', 0.001);
    let depth = 7;
    const untrack = m.trackQueueDepth('taskqueue', () => depth);
    m.setLeader(true);

    let text = await registry.metrics();
    expect(text).toContain('celeriac_operator_reconcile_total{controller="taskqueue",result="success"} 1');
    expect(text).toContain('celeriac_operator_reconcile_total{controller="taskqueue",result="error"} 1');
    expect(text).toContain('celeriac_operator_reconcile_errors_total{controller="taskqueue"} 2');
    expect(text).toContain('celeriac_operator_reconcile_duration_seconds_count{controller="taskqueue"} 3');
    expect(text).toContain('celeriac_operator_workqueue_depth{name="taskqueue"} 7');
    expect(text).toContain('celeriac_operator_leader 1');

    depth = 2;
    expect(await registry.metrics()).toContain('celeriac_operator_workqueue_depth{name="taskqueue"} 2');
    untrack();
    text = await registry.metrics();
    expect(text).not.toContain('celeriac_operator_workqueue_depth{name="taskqueue"}');
  });
});
