import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './workqueue.ts';

/** Takes every key available right now without waiting. */
async function drainNow(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) {
    const key = await q.get();
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

/** Real timers under a shared 2-core machine: generous timeout, tight polling. */
const eventually = (assertion: () => void): Promise<void> => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

describe('WorkQueue', () => {
  it('hands out keys in FIFO order and merges duplicates while queued', async () => {
    const q = new WorkQueue();
    for (const k of ['ns/a', 'ns/b', 'ns/a', 'ns/c', 'ns/b']) q.add(k);
    expect(q.length).toBe(3);
    expect(await drainNow(q)).toEqual(['ns/a', 'ns/b', 'ns/c']);
  });

  it('never hands out a key that is processing, and requeues it after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    expect(await q.get()).toBe('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(await drainNow(q)).toEqual(['ns/b']);
    q.done('ns/b');
    q.done('ns/a');
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('ns/a');
    expect(await next).toBe('ns/a');
    expect(q.length).toBe(0);
  });

  it('runs at most one worker per key with concurrent workers', async () => {
    const q = new WorkQueue();
    const running = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const worker = async (): Promise<void> => {
      for (let key = await q.get(); key !== undefined; key = await q.get()) {
        if (running.has(key)) overlaps++;
        running.add(key);
        await new Promise((r) => setTimeout(r, 1));
        running.delete(key);
        processed++;
        q.done(key);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    for (let i = 0; i < 200; i++) {
      q.add(`ns/k${i % 3}`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await eventually(() => expect(q.length).toBe(0));
    await q.shutDown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(3);
    expect(processed).toBeLessThan(200);
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('adds a key after its delay, keeping the earliest deadline', () => {
      const q = new WorkQueue();
      q.addAfter('ns/a', 1000);
      q.addAfter('ns/a', 100);
      q.addAfter('ns/a', 5000);
      vi.advanceTimersByTime(99);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
      vi.advanceTimersByTime(10_000);
      expect(q.length).toBe(1);
    });

    it('backs off exponentially per key, capped, until forget', () => {
      const q = new WorkQueue({ backoff: { baseMs: 5, maxMs: 40 } });
      expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('ns/a'))).toEqual([5, 10, 20, 40, 40]);
      expect(q.addRateLimited('ns/b')).toBe(5);
      expect(q.retries('ns/a')).toBe(5);
      q.forget('ns/a');
      expect(q.retries('ns/a')).toBe(0);
      expect(q.addRateLimited('ns/a')).toBe(5);
    });

    it('rate-limited keys arrive after their backoff', () => {
      const q = new WorkQueue({ backoff: { baseMs: 5, maxMs: 1000 } });
      q.addRateLimited('ns/a'); // 5 ms
      q.addRateLimited('ns/a'); // 10 ms, later than the pending 5 ms: the 5 ms add stands
      vi.advanceTimersByTime(4);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
    });

    it('drops delayed adds on shut down', async () => {
      const q = new WorkQueue();
      q.addAfter('ns/a', 100);
      await q.shutDown();
      vi.advanceTimersByTime(1000);
      expect(q.length).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('shut down releases waiting workers and waits for keys in flight', async () => {
    const q = new WorkQueue();
    const idle = q.get();
    q.add('ns/busy');
    expect(await idle).toBe('ns/busy');
    const waiting = q.get();
    q.add('ns/dropped');
    expect(await waiting).toBe('ns/dropped');
    q.done('ns/dropped');
    q.add('ns/never');

    let drained = false;
    const shutdown = q.shutDown().then(() => (drained = true));
    expect(await q.get()).toBeUndefined();
    q.add('ns/late');
    expect(q.length).toBe(0);
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done('ns/busy');
    await shutdown;
    expect(drained).toBe(true);
  });
});
