import { describe, expect, it } from 'vitest';
import { apiWrites, cpuSeconds, grown } from './mass-apply-profile.ts';

describe('mass-apply profile', () => {
  it('counts the API server writes by resource and subresource, reads left out', () => {
    const text = [
      '# HELP apiserver_request_total Counter of apiserver requests',
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="POST",version="v1"} 40',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="celeriac.dev",resource="taskqueues",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 7',
      'apiserver_request_total{code="409",component="apiserver",dry_run="",group="celeriac.dev",resource="taskqueues",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 2',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="GET",version="v1"} 900',
      'apiserver_request_total{code="0",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"} 3',
    ].join('\n');
    expect(Object.fromEntries(apiWrites(text))).toEqual({ 'deployments POST': 40, 'taskqueues/status APPLY': 9 });
  });

  it('keeps what grew between two snapshots, largest first', () => {
    const before = new Map([['a', 1], ['b', 5]]);
    const after = new Map([['a', 4], ['b', 5], ['c', 10]]);
    expect(grown(before, after)).toEqual([['c', 10], ['a', 3]]);
  });

  it('reads this process\'s CPU time, and 0 for a process that is gone', () => {
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += i; // a few ms of CPU, so the count has moved
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(cpuSeconds(2 ** 30)).toBe(0);
  });
});
