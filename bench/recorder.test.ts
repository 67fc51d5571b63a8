import { describe, expect, it } from 'vitest';
import { makePayload, nowUs } from './payload.ts';
import { RunRecorder } from './recorder.ts';

describe('run recorder', () => {
  it('reports tasks that ran twice and tasks that never ran', () => {
    const r = new RunRecorder(4, false);
    const run = r.handler('noop');
    for (const i of [0, 1, 1, 3, 3, 3]) void run(makePayload(i));
    expect(r.check()).toEqual({ duplicates: 3, missing: 1 });
  });

  it('counts a task index outside the run as a duplicate', () => {
    const r = new RunRecorder(1, false);
    r.record(makePayload(0));
    r.record(makePayload(5));
    expect(r.check()).toEqual({ duplicates: 1, missing: 0 });
  });

  it('measures enqueue-to-start latency from the payload stamp, first run only', async () => {
    const r = new RunRecorder(2, true);
    const old = makePayload(0);
    await new Promise((res) => setTimeout(res, 20));
    r.record(old);
    r.record(makePayload(1));
    r.record(makePayload(0));
    const lat = r.latency()?.all;
    expect(lat?.count).toBe(2);
    expect(lat?.max).toBeGreaterThanOrEqual(19);
    expect(lat?.p50).toBeLessThan(5);
  });

  it('sets apart the tasks whose wait overlapped a consumer stall', async () => {
    const r = new RunRecorder(2, true);
    const old = makePayload(0);
    await new Promise((res) => setTimeout(res, 20));
    const stallFrom = nowUs() - 5_000;
    r.record(old);
    r.record(makePayload(1));
    const lat = r.latency([[stallFrom, stallFrom + 3_000]])!;
    expect(lat.all.count).toBe(2);
    expect(lat.unstalled.count).toBe(1);
    expect(lat.unstalled.max).toBeLessThan(5);
  });

  it('runs the 1 ms task for at least a millisecond', async () => {
    const r = new RunRecorder(1, false);
    const t = performance.now();
    await r.handler('async-1ms')(makePayload(0));
    expect(performance.now() - t).toBeGreaterThanOrEqual(0.9);
    expect(r.check()).toEqual({ duplicates: 0, missing: 0 });
  });
});
