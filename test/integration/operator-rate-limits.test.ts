// The operator's part of rate limits on a real nats-server: spec.rateLimits lands in the queue's
// limits bucket, a running worker obeys it without a restart, a limit the spec drops is removed,
// and a limit set through the API on a task the spec does not name is left alone.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker } from 'celeriac';
import { queueSettingsOf } from '../../operator/src/taskqueue/settings.ts';
import { syncRateLimits } from '../../operator/src/taskqueue/rate-limits.ts';
import { taskQueue } from '../../operator/src/test-fixtures.ts';
import { ensureQueue } from 'celeriac/topology';
import { useNats } from '../support/use-nats.ts';
import { testLogger, uniqueQueue } from '../support/queue.ts';
import { startsPerWindow, tick } from '../support/rate-limit-tasks.ts';

describe('operator rate limits', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  it('writes spec.rateLimits where running workers obey them, and removes only its own', async () => {
    const queue = uniqueQueue('rl-op');
    const withLimit = taskQueue(queue, { storage: 'Memory', rateLimits: [{ task: tick.name, limit: 4, period: '1s' }] });
    await ensureQueue(nats.nc, queueSettingsOf(withLimit));
    const client = new Client(nats.nc, { queue });
    await client.setRateLimit({ task: 'other.task', perSecond: 7 });
    const worker = new Worker(nats.nc, { queue, tasks: [tick], concurrency: 8, logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(2000));
    await worker.start();

    expect(await syncRateLimits(nats.nc, queue, withLimit)).toBe(1);
    expect(await syncRateLimits(nats.nc, queue, withLimit)).toBe(0); // nothing differs: nothing written
    const handles = await client.enqueueMany(tick, Array.from({ length: 12 }, (_, n) => ({ payload: { n } })));
    const marks = await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })));
    expect(Math.max(...startsPerWindow(marks, 1000).values())).toBeLessThanOrEqual(4);
    expect(startsPerWindow(marks, 1000).size).toBeGreaterThanOrEqual(3);

    expect(await syncRateLimits(nats.nc, queue, taskQueue(queue, { storage: 'Memory' }))).toBe(1);
    expect(await client.rateLimits()).toEqual([{ task: 'other.task', limit: 7, periodMs: 1000, source: 'api' }]);
  });
});
