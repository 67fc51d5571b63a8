import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from './metrics.ts';

describe('WorkerMetrics', () => {
  it('exposes the plain per-task counters and durations in the Prometheus format at scrape time', async () => {
    let running = 1;
    const m = new WorkerMetrics('emails', { inFlight: () => running });
    const t = m.task('send');
    t.started.inc();
    t.started.inc();
    t.succeeded.inc();
    t.failed.inc();
    t.retried.inc();
    t.okDuration.observe(0.003);
    t.errDuration.observe(2);
    m.deadLettered('send', 'max-attempts');
    m.handedBack('send.v2');
    const text = await m.registry.metrics();
    expect(text).toContain('celeriac_tasks_started_total{queue="emails",task="send"} 2');
    expect(text).toContain('celeriac_tasks_succeeded_total{queue="emails",task="send"} 1');
    expect(text).toContain('celeriac_tasks_retried_total{queue="emails",task="send"} 1');
    expect(text).toContain('celeriac_tasks_in_flight{queue="emails"} 1');
    expect(text).toContain('celeriac_tasks_dead_lettered_total{queue="emails",task="send",reason="max-attempts"} 1');
    expect(text).toContain('celeriac_tasks_handed_back_total{queue="emails",task="send.v2"} 1');
    expect(text).toContain('# TYPE celeriac_task_duration_seconds histogram');
    expect(text).toContain('celeriac_task_duration_seconds_bucket{queue="emails",task="send",outcome="succeeded",le="0.001"} 0');
    expect(text).toContain('celeriac_task_duration_seconds_bucket{queue="emails",task="send",outcome="succeeded",le="0.005"} 1');
    expect(text).toContain('celeriac_task_duration_seconds_bucket{queue="emails",task="send",outcome="failed",le="+Inf"} 1');
    expect(text).toContain('celeriac_task_duration_seconds_count{queue="emails",task="send",outcome="failed"} 1');
    // A second scrape reports the same totals, not doubled ones, and the in-flight count of now.
    running = 0;
    const again = await m.registry.metrics();
    expect(again).toContain('celeriac_tasks_started_total{queue="emails",task="send"} 2');
    expect(again).toContain('celeriac_tasks_in_flight{queue="emails"} 0');
  });
});
