import { afterAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { Client, PermanentError, Worker, defineTask, type ResultRecord, type TaskDefinition } from 'celeriac';
import { EagerClient } from 'celeriac/testing';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue } from '../support/queue.ts';

/**
 * Eager mode is the worker's own run path on an in-memory message: the same behaviours must
 * leave the same result records in both (times aside, and the dead-letter copy, which only a
 * queue on a server has). Each row runs through an EagerClient and through a real Worker and
 * Client on a real nats-server.
 */

const quick = { backoff: { type: 'fixed' as const, delayMs: 10 } };

const double = defineTask('parity.double', (p: { n: number }) => ({ doubled: p.n * 2 }));
const flakyTwice = defineTask(
  'parity.flaky',
  (p: { n: number }, ctx) => {
    if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
    return { n: p.n, attempt: ctx.attempt };
  },
  { retry: { maxAttempts: 5, ...quick } },
);
const refuses = defineTask('parity.permanent', () => {
  throw new PermanentError('not an address');
});
const slow = defineTask(
  'parity.timeout',
  (_: null, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'))),
  { timeoutMs: 50, retry: { maxAttempts: 2, ...quick } },
);
const zodTyped = defineTask('parity.zod', (p: { to: string }) => p.to, { schema: z.object({ to: z.string().includes('@') }) });
const valibotTyped = defineTask('parity.valibot', (p: { count: number }) => p.count + 1, {
  schema: v.object({ count: v.pipe(v.number(), v.minValue(1)) }),
});
const unserialisable = defineTask('parity.bigint', () => ({ big: 10n }));
const once = defineTask('parity.once', (p: { k: string }) => p.k);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of every payload type
const rows: Array<{ name: string; task: TaskDefinition<any, any>; payload: unknown; options?: { idempotencyKey: string } }> = [
  { name: 'success', task: double, payload: { n: 21 } },
  { name: 'retry then success', task: flakyTwice, payload: { n: 1 } },
  { name: 'permanent error', task: refuses, payload: null },
  { name: 'timeout, retried, then failed', task: slow, payload: null },
  { name: 'valid payload (zod)', task: zodTyped, payload: { to: 'ada@example.com' } },
  { name: 'invalid payload (zod)', task: zodTyped, payload: { to: 'nobody' } },
  { name: 'valid payload (valibot)', task: valibotTyped, payload: { count: 2 } },
  { name: 'invalid payload (valibot)', task: valibotTyped, payload: { count: 0 } },
  { name: 'unserialisable result', task: unserialisable, payload: null },
  { name: 'idempotent enqueue', task: once, payload: { k: 'a' }, options: { idempotencyKey: 'parity-once' } },
];

/** What must match: the record less its times (also in a timeout's message), stack traces and the dead-letter copy. */
function comparable(r: ResultRecord | undefined) {
  if (!r) return r;
  const { startedAt: _s, finishedAt: _f, updatedAt: _u, enqueuedAt: _e, retryAt: _r, deadLetter: _d, id: _i, error, ...rest } = r;
  return { ...rest, ...(error ? { error: { message: error.message.replace(/after \d+ ms/, 'after … ms'), type: error.type } } : {}) };
}

describe('eager mode and a real worker leave the same records', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function realRun(row: (typeof rows)[number]) {
    const queue = uniqueQueue('parity');
    await createQueue(nats.nc, queue);
    const worker = new Worker(nats.nc, { queue, tasks: [row.task], logger: testLogger, heartbeatIntervalMs: 0 });
    await worker.start();
    closers.push(() => worker.close(1000));
    const client = new Client(nats.nc, { queue });
    closers.push(() => client.close());
    const first = await client.enqueue(row.task, row.payload, row.options);
    await first.result({ timeoutMs: 15_000 }).catch(() => undefined);
    const second = row.options ? await client.enqueue(row.task, row.payload, row.options) : undefined;
    return { id: first.id, record: await client.status(first.id, { queue }), duplicate: second?.duplicate, sameId: second ? second.id === first.id : undefined };
  }

  async function eagerRun(row: (typeof rows)[number]) {
    const client = new EagerClient();
    const first = await client.enqueue(row.task, row.payload, row.options);
    const second = row.options ? await client.enqueue(row.task, row.payload, row.options) : undefined;
    return { id: first.id, record: await first.status(), duplicate: second?.duplicate, sameId: second ? second.id === first.id : undefined };
  }

  it.each(rows)('$name', async (row) => {
    const [real, eager] = await Promise.all([realRun(row), eagerRun(row)]);
    expect(real.record, 'the real worker wrote a final record').toBeDefined();
    expect(comparable(eager.record)).toEqual(comparable(real.record));
    expect(eager.duplicate).toBe(real.duplicate);
    expect(eager.sameId).toBe(real.sameId);
    // Idempotency keys give the same task ids in both: tests and production agree.
    if (row.options) expect(eager.id).toBe(real.id);
  });
});
