import { describe, expect, it } from 'vitest';
import { PermanentError, TaskFailedError } from '../errors.ts';
import { defineTask } from '../task.ts';
import { EagerClient } from './eager.ts';

describe('EagerClient (in-process test mode)', () => {
  it('runs the handler at once and returns its result', async () => {
    const add = defineTask('add', (p: { a: number; b: number }) => p.a + p.b);
    const client = new EagerClient();
    expect(await (await client.enqueue(add, { a: 1, b: 2 })).result()).toBe(3);
  });

  it('takes enqueueMany items as the Client does: per-item ids and keys, metadata over the shared', async () => {
    const seen = defineTask('seen', (p: { n: number }, ctx) => ({ n: p.n, meta: { ...ctx.metadata } }));
    const client = new EagerClient();
    const [a, b, again] = await client.enqueueMany(
      seen,
      [{ payload: { n: 1 }, id: 'one', metadata: { lang: 'fr' } }, { payload: { n: 2 }, idempotencyKey: 'k' }, { payload: { n: 3 }, idempotencyKey: 'k' }],
      { metadata: { lang: 'en', batch: '1' } },
    );
    expect(a!.id).toBe('one');
    expect(await a!.result()).toEqual({ n: 1, meta: { lang: 'fr', batch: '1' } });
    expect(await b!.result()).toEqual({ n: 2, meta: { lang: 'en', batch: '1' } });
    expect([again!.duplicate, again!.id]).toEqual([true, b!.id]);
  });

  it('runs tasks with a priority or fairness key at once, and refuses a bad priority as the Client does', async () => {
    const add = defineTask('add', (p: { a: number; b: number }) => p.a + p.b);
    const client = new EagerClient();
    expect(await (await client.enqueue(add, { a: 1, b: 2 }, { priority: 2, fairnessKey: 'tenant' })).result()).toBe(3);
    await expect(client.enqueue(add, { a: 1, b: 2 }, { priority: -1 })).rejects.toThrow(/priority must be an integer >= 0/);
  });

  it('applies the retry policy and records the attempts', async () => {
    let n = 0;
    const flaky = defineTask('flaky', () => {
      if (++n < 3) throw new Error('again');
      return 'ok';
    }, { retry: { maxAttempts: 5 } });
    const client = new EagerClient();
    const h = await client.enqueue(flaky, null);
    expect(await h.result()).toBe('ok');
    expect(await h.status()).toMatchObject({ state: 'succeeded', attempts: 3 });
  });

  it('fails like a worker would: permanent errors, exhausted attempts, invalid payloads', async () => {
    const client = new EagerClient();
    const perm = defineTask('perm', () => {
      throw new PermanentError('nope');
    });
    const always = defineTask('always', () => {
      throw new Error('down');
    }, { retry: { maxAttempts: 2 } });
    const typed = defineTask('typed', (n: number) => n, {
      schema: (v) => {
        if (typeof v !== 'number') throw new Error('expected a number');
        return v;
      },
    });
    const p = await client.enqueue(perm, null);
    await expect(p.result()).rejects.toBeInstanceOf(TaskFailedError);
    expect(await p.status()).toMatchObject({ state: 'failed', attempts: 1 });
    const a = await client.enqueue(always, null);
    expect(await a.status()).toMatchObject({ state: 'failed', attempts: 2 });
    const t = await client.enqueue(typed, 'seven' as unknown as number);
    expect(await t.status()).toMatchObject({ state: 'dead' });
    expect((await t.status())?.error?.message).toContain('expected a number');
  });

  it('runs once per idempotency key', async () => {
    let runs = 0;
    const once = defineTask('once', () => ++runs);
    const client = new EagerClient();
    await client.enqueue(once, null, { idempotencyKey: 'k' });
    const second = await client.enqueue(once, null, { idempotencyKey: 'k' });
    expect(second.duplicate).toBe(true);
    expect(runs).toBe(1);
  });

  it('runs a delayed task at once and refuses bad time options as the real client does', async () => {
    const now = defineTask('now', () => 'ran');
    const client = new EagerClient();
    expect(await (await client.enqueue(now, null, { delay: 60_000, ttl: 120_000 })).result()).toBe('ran');
    await expect(client.enqueue(now, null, { delay: -1 })).rejects.toThrow(/delay must not be negative/);
  });
});
