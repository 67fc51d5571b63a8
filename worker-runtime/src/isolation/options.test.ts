import { describe, expect, it } from 'vitest';
import { defineTask } from '../task.ts';
import { registerTasks } from '../worker/registry.ts';
import { WorkerMetrics } from '../worker/metrics.ts';

const here = import.meta.url;
const noop = () => null;

describe('time-limit and isolation options', () => {
  it.each([
    [{ hardTimeLimitMs: 0 }, /hardTimeLimitMs must be > 0/],
    [{ timeoutMs: 1_000, hardTimeLimitMs: 1_000 }, /hardTimeLimitMs \(1000\) must exceed timeoutMs \(1000\)/],
    [{ isolation: 'fiber' }, /isolation must be 'thread' or 'process', got "fiber"/],
    [{ isolation: 'thread' }, /isolation needs module: import.meta.url/],
    [{ isolation: 'process', module: 'tasks.ts' }, /module must be a URL/],
    [{ memoryLimitMb: 64 }, /memoryLimitMb needs isolation/],
    [{ isolation: 'thread', module: here, memoryLimitMb: 8 }, /memoryLimitMb must be an integer >= 16/],
  ])('refuses %j when the task is defined', (options, message) => {
    expect(() => defineTask('t', noop, options as never)).toThrow(message);
  });

  it('accepts a soft and a hard limit with isolation in a thread or a process', () => {
    for (const isolation of ['thread', 'process'] as const) {
      const t = defineTask('t', noop, { timeoutMs: 1_000, hardTimeLimitMs: 2_000, isolation, module: here, memoryLimitMb: 128 });
      expect(t.options).toMatchObject({ isolation, module: here, memoryLimitMb: 128 });
    }
  });

  it("resolves the hard limit against the worker's default soft limit, and leaves it unset when the task sets none", () => {
    const metrics = new WorkerMetrics('q', { processMetrics: false, inFlight: () => 0 });
    const hard = defineTask('hard', noop, { hardTimeLimitMs: 5_000 });
    const plain = defineTask('plain', noop);
    const tasks = registerTasks([hard, plain], { defaultTimeoutMs: 1_000 }, metrics);
    expect(tasks.get('hard')).toMatchObject({ timeoutMs: 1_000, hardTimeLimitMs: 5_000 });
    expect(tasks.get('plain')).toMatchObject({ timeoutMs: 1_000, hardTimeLimitMs: undefined });
    expect(() => registerTasks([hard], { defaultTimeoutMs: 5_000 }, metrics)).toThrow(/must exceed its soft limit \(5000 ms, the worker's default timeout\)/);
  });

  it("applies the worker's default hard limit to tasks that set none, where it exceeds their soft limit; a task's own wins", () => {
    const metrics = new WorkerMetrics('q', { processMetrics: false, inFlight: () => 0 });
    const own = defineTask('own', noop, { hardTimeLimitMs: 5_000 });
    const plain = defineTask('plain', noop);
    const slow = defineTask('slow', noop, { timeoutMs: 60_000 });
    const tasks = registerTasks([own, plain, slow], { defaultTimeoutMs: 1_000, defaultHardTimeLimitMs: 30_000 }, metrics);
    expect(tasks.get('own')).toMatchObject({ timeoutMs: 1_000, hardTimeLimitMs: 5_000 });
    expect(tasks.get('plain')).toMatchObject({ timeoutMs: 1_000, hardTimeLimitMs: 30_000 });
    // Its own soft limit is past the default hard one: it stays both limits, as without a default.
    expect(tasks.get('slow')).toMatchObject({ timeoutMs: 60_000, hardTimeLimitMs: undefined });
  });

  it.each([
    [{ defaultHardTimeLimitMs: 0 }, /defaultHardTimeLimitMs must be a number of ms > 0, got 0/],
    [{ defaultHardTimeLimitMs: 1_000, defaultTimeoutMs: 1_000 }, /defaultHardTimeLimitMs \(1000\) must exceed defaultTimeoutMs \(1000\)/],
    [{ defaultHardTimeLimitMs: 60_000 }, /defaultHardTimeLimitMs \(60000\) must exceed defaultTimeoutMs \(300000\)/],
  ])('refuses a worker default %j naming the setting', (opts, message) => {
    const metrics = new WorkerMetrics('q', { processMetrics: false, inFlight: () => 0 });
    expect(() => registerTasks([defineTask('t', noop)], opts, metrics)).toThrow(message);
  });
});
