import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { IsolationMetrics } from './metrics.ts';

describe('IsolationMetrics', () => {
  it('reads the runners alive at scrape time and counts starts and ends per task, kind and reason', async () => {
    const registry = new Registry();
    let size = 2;
    const m = new IsolationMetrics(registry, 'reports', () => [{ task: 'build', kind: 'thread', size }]);
    const events = m.events('build', 'thread');
    events.started(0.3);
    events.ended('memory');
    events.ended('memory');
    events.ended('time-limit');
    const lines = (await registry.metrics()).split('\n');
    const labels = 'queue="reports",task="build",kind="thread"';
    expect(lines).toEqual(
      expect.arrayContaining([
        `celeriac_isolated_runners{${labels}} 2`,
        `celeriac_isolated_runners_ended_total{${labels},reason="memory"} 2`,
        `celeriac_isolated_runners_ended_total{${labels},reason="time-limit"} 1`,
        `celeriac_isolated_runner_start_seconds_bucket{le="0.25",${labels}} 0`,
        `celeriac_isolated_runner_start_seconds_bucket{le="0.5",${labels}} 1`,
      ]),
    );
    size = 0;
    expect(await registry.metrics()).toContain('celeriac_isolated_runners{queue="reports",task="build",kind="thread"} 0');
  });
});
