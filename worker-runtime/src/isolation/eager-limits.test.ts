import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../task.ts';
import { EagerClient } from '../testing/eager.ts';

// Eager mode runs the worker's own Attempt, so a unit test of an app sees the same time limits;
// isolated tasks run in-process there (no runner is started for a test).
describe('time limits in eager mode', () => {
  it('fires the signal at the soft limit and lets the handler finish; abandons one deaf to it at the hard limit', async () => {
    const tidy = defineTask(
      'tidy',
      async (_: unknown, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        return `stopped by ${(ctx.signal.reason as Error).name}`;
      },
      { timeoutMs: 50, hardTimeLimitMs: 5_000 },
    );
    const deaf = defineTask('deaf', () => sleep(2_000).then(() => 'late'), { timeoutMs: 50, hardTimeLimitMs: 150, retry: { maxAttempts: 1 } });
    const client = new EagerClient();
    expect(await (await client.enqueue(tidy, null)).result()).toBe('stopped by TaskTimeoutError');
    const h = await client.enqueue(deaf, null);
    await expect(h.result()).rejects.toThrow(/hard time limit of 150 ms; its handler was abandoned/);
    expect((await h.status())?.error?.type).toBe('HardTimeLimitError');
  });

  it('runs an isolated task in-process', async () => {
    const where = defineTask('where', () => threadId, { isolation: 'thread', module: import.meta.url });
    const client = new EagerClient();
    expect(await (await client.enqueue(where, null)).result()).toBe(threadId);
  });
});
