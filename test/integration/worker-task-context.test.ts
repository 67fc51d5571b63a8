import { jetstream } from '@nats-io/jetstream';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { taskSubject } from 'celeriac/protocol';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

// The worker builds ctx lazily (signal, log, headers are made on first read: bench findings) and
// aborts running tasks from close(); these pin what handlers see through ctx.
describe('task context on a real nats-server', () => {
  const nats = useNats();

  async function workerFor(tasks: Parameters<typeof defineTask>[1][], opts: { logger?: pino.Logger } = {}) {
    const queue = uniqueQueue('ctx');
    await createQueue(nats.nc, queue, { results: { enabled: false, ttlMs: 0, maxBytes: 0 } });
    const defs = tasks.map((h, i) => defineTask(`t${i}`, h));
    const worker = new Worker(nats.nc, { queue, tasks: defs, concurrency: 4, heartbeatIntervalMs: 0, logger: opts.logger ?? testLogger });
    await worker.start();
    return { worker, client: new Client(nats.nc, { queue }), defs };
  }

  it("aborts every running task's signal when its worker closes, and only that worker's", async () => {
    const aborted: string[] = [];
    const started: string[] = [];
    const wait = (name: string) => async (_: unknown, ctx: { signal: AbortSignal }) => {
      started.push(name);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      // At once when close() starts, not only when the drain deadline passes.
      aborted.push(`${name}: ${(ctx.signal.reason as Error).message}`);
    };
    const a = await workerFor([wait('a')]);
    const b = await workerFor([wait('b')]);
    await a.client.enqueue(a.defs[0]!, { n: 1 });
    await a.client.enqueue(a.defs[0]!, { n: 2 });
    await b.client.enqueue(b.defs[0]!, {});
    await waitFor(() => started.length === 3, { what: 'three tasks started' });
    await a.worker.close(2_000);
    expect(aborted).toEqual(['a: worker shutting down', 'a: worker shutting down']);
    await b.worker.close(2_000);
    expect(aborted).toEqual(['a: worker shutting down', 'a: worker shutting down', 'b: worker shutting down']);
  });

  it('shows handlers the task id and metadata, and a stream-sequence id for a message without headers', async () => {
    const seen: { id: string; metadata: Readonly<Record<string, string>>; attempt: number }[] = [];
    const { worker, client, defs } = await workerFor([(_: unknown, ctx) => void seen.push({ id: ctx.id, metadata: ctx.metadata, attempt: ctx.attempt })]);
    const h = await client.enqueue(defs[0]!, {}, { metadata: { Tenant: 'acme', 'trace-id': 't1' } });
    await waitFor(() => seen.length === 1, { what: 'first task' });
    // Any NATS client may publish a task: no Celeriac headers at all.
    const ack = await jetstream(nats.nc).publish(taskSubject(worker.queue, 't0'), '{}');
    await waitFor(() => seen.length === 2, { what: 'foreign task' });
    await worker.close(1_000);
    expect(seen).toEqual([
      { id: h.id, metadata: { tenant: 'acme', 'trace-id': 't1' }, attempt: 1 },
      { id: `seq-${ack.seq}`, metadata: {}, attempt: 1 },
    ]);
  });

  it('gives handlers a logger bound to the task name and id', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const { worker, client, defs } = await workerFor([(_: unknown, ctx) => ctx.log.info({ step: 1 }, 'hello from task')], { logger: pino(sink) });
    const h = await client.enqueue(defs[0]!, {});
    await waitFor(() => lines.some((l) => l.includes('hello from task')), { what: 'task log line' });
    await worker.close(1_000);
    const line = JSON.parse(lines.find((l) => l.includes('hello from task'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ task: 't0', id: h.id, step: 1 });
  });
  it('lets handlers destructure ctx and call its functions unbound', async () => {
    const seen: string[] = [];
    const { worker, client, defs } = await workerFor([
      async (_: unknown, { id, name, attempt, signal, working, progress }) => {
        working();
        await progress({ step: 1 });
        seen.push(`${name} ${attempt} ${signal.aborted} ${id.length > 0}`);
      },
    ]);
    await client.enqueue(defs[0]!, {});
    await waitFor(() => seen.length === 1, { what: 'task run' });
    await worker.close(1_000);
    expect(seen).toEqual(['t0 1 false true']);
  });

  it('aborts the signal of a task that runs past its timeout, whenever the handler reads it', async () => {
    const reasons: string[] = [];
    const queue = uniqueQueue('ctx-timeout');
    await createQueue(nats.nc, queue, { results: { enabled: false, ttlMs: 0, maxBytes: 0 } });
    // Reads ctx.signal only after the timeout passed: it must already be aborted then.
    const late = defineTask('late', async (_: unknown, ctx) => {
      await new Promise((r) => setTimeout(r, 1_500));
      reasons.push(ctx.signal.aborted ? (ctx.signal.reason as Error).name : 'not aborted');
    }, { timeoutMs: 200, retry: { maxAttempts: 1 } });
    const worker = new Worker(nats.nc, { queue, tasks: [late], heartbeatIntervalMs: 0, logger: testLogger });
    await worker.start();
    const client = new Client(nats.nc, { queue });
    await client.enqueue(late, {});
    await waitFor(() => reasons.length === 1, { timeoutMs: 5_000, what: 'late handler' });
    await worker.close(1_000);
    await client.close();
    expect(reasons).toEqual(['TaskTimeoutError']);
  });
});
