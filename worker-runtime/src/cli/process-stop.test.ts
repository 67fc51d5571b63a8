import { describe, expect, it } from 'vitest';
import { ProcessStop } from './process-stop.ts';

describe('ProcessStop', () => {
  it('keeps the first request and its drain, but exits with the worst code asked for', async () => {
    const stop = new ProcessStop();
    expect(stop.current).toBeUndefined();
    stop.request({ why: 'SIGTERM', exitCode: 0 });
    stop.request({ why: 'uncaught exception', exitCode: 1, drainTimeoutMs: 5_000 });
    expect(await stop.requested).toEqual({ why: 'SIGTERM', exitCode: 0 });
    expect(stop.code).toBe(1);
  });
  it('never lowers the exit code', () => {
    const stop = new ProcessStop();
    stop.request({ why: 'uncaught exception', exitCode: 1, drainTimeoutMs: 5_000 });
    stop.request({ why: 'SIGTERM', exitCode: 0 });
    expect(stop.current?.drainTimeoutMs).toBe(5_000);
    expect(stop.code).toBe(1);
  });
});
