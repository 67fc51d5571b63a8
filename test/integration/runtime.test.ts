import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, PermanentError, RetryLater, TaskFailedError, Worker, defineTask, listDeadLetters, replayDeadLetter, type TaskDefinition } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const fast = { type: 'fixed' as const, delayMs: 50 };

describe('task runtime on a real nats-server', () => {
  const nats = useNats();
  const workers: Worker[] = [];
  const clients: Client[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(1000)));
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function setup(tasks: TaskDefinition<any, any>[], opts: { results?: boolean; ackWaitMs?: number; concurrency?: number; maxPayloadBytes?: number } = {}) {
    const queue = uniqueQueue();
    await createQueue(nats.nc, queue, {
      results: { enabled: opts.results ?? true, ttlMs: 60_000, maxBytes: 0 },
      ...(opts.ackWaitMs ? { ackWaitMs: opts.ackWaitMs } : {}),
    });
    const client = new Client(nats.nc, { queue });
    clients.push(client);
    const worker = new Worker(nats.nc, {
      queue,
      tasks,
      logger: testLogger,
      concurrency: opts.concurrency ?? 4,
      heartbeatIntervalMs: 0,
      defaultRetry: { maxAttempts: 3, backoff: fast },
      ...(opts.maxPayloadBytes ? { maxPayloadBytes: opts.maxPayloadBytes } : {}),
    });
    workers.push(worker);
    await worker.start();
    return { queue, client, worker };
  }

  it('runs an enqueued task and returns its typed result', async () => {
    const add = defineTask('math.add', (p: { a: number; b: number }) => p.a + p.b);
    const { client } = await setup([add]);
    const handle = await client.enqueue(add, { a: 2, b: 3 });
    const sum: number = await handle.result({ timeoutMs: 5000 });
    expect(sum).toBe(5);
    const rec = await handle.status();
    expect(rec).toMatchObject({ state: 'succeeded', attempts: 1, task: 'math.add', id: handle.id });
    expect(rec?.finishedAt).toBeGreaterThanOrEqual(rec?.startedAt ?? Infinity);
  });

  it('runs a task enqueued twice with one idempotency key once', async () => {
    let runs = 0;
    const charge = defineTask('charge', () => ++runs);
    const { client } = await setup([charge]);
    const a = await client.enqueue(charge, {}, { idempotencyKey: 'order-42' });
    const b = await client.enqueue(charge, {}, { idempotencyKey: 'order-42' });
    expect(b.id).toBe(a.id);
    expect(b.duplicate).toBe(true);
    expect(await a.result({ timeoutMs: 5000 })).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
  });

  it('retries with backoff, recording retrying, then succeeds', async () => {
    const seen: number[] = [];
    const flaky = defineTask('flaky', (_: null, ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
      return 'ok';
    });
    const { client } = await setup([flaky]);
    const h = await client.enqueue(flaky, null);
    expect(await h.result({ timeoutMs: 5000 })).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(await h.status()).toMatchObject({ state: 'succeeded', attempts: 3 });
  });

  it('honours RetryLater delays', async () => {
    const times: number[] = [];
    const limited = defineTask('limited', () => {
      times.push(Date.now());
      if (times.length === 1) throw new RetryLater(400);
      return 'done';
    });
    const { client } = await setup([limited]);
    await (await client.enqueue(limited, null)).result({ timeoutMs: 5000 });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(380);
  });

  it('dead-letters after the last attempt with error, stack, attempts and original headers', async () => {
    const doomed = defineTask('doomed', () => {
      throw new Error('always fails');
    });
    const { client, queue } = await setup([doomed]);
    const h = await client.enqueue(doomed, { x: 1 }, { metadata: { tenant: 'acme' } });
    const err = await h.result({ timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).state).toBe('failed');
    const dead = await waitFor(async () => (await listDeadLetters(nats.nc, queue)).find((d) => d.headers?.get('Celeriac-Id') === h.id));
    expect(dead).toMatchObject({ reason: 'max-attempts', error: 'always fails', attempts: 3, subject: `celeriac.${queue}.tasks.doomed` });
    expect(dead.headers?.get('Celeriac-Meta-tenant')).toBe('acme');
    expect(dead.headers?.get('Celeriac-Dead-Stack')).toContain('always fails');
    expect(JSON.parse(new TextDecoder().decode(dead.data))).toEqual({ x: 1 });
    // The task is gone from the work queue: terminated, not waiting for redelivery.
    const info = await (await jetstreamManager(nats.nc)).consumers.info(queueNames(queue).stream, 'workers');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });

  it('skips retries on a PermanentError', async () => {
    let runs = 0;
    const reject = defineTask('reject', () => {
      runs++;
      throw new PermanentError('bad account');
    });
    const { client, queue } = await setup([reject]);
    const h = await client.enqueue(reject, null);
    await expect(h.result({ timeoutMs: 5000 })).rejects.toThrow(/bad account/);
    expect(runs).toBe(1);
    const [dl] = await listDeadLetters(nats.nc, queue);
    expect(dl?.reason).toBe('permanent-error');
  });

  it('replays a dead letter back to its queue in one call', async () => {
    let fail = true;
    const fixable = defineTask('fixable', () => {
      if (fail) throw new PermanentError('not yet');
      return 'fixed';
    });
    const { client, queue } = await setup([fixable]);
    const h = await client.enqueue(fixable, null);
    await expect(h.result({ timeoutMs: 5000 })).rejects.toThrow();
    const [dl] = await listDeadLetters(nats.nc, queue);
    fail = false;
    await replayDeadLetter(nats.nc, queue, dl!.seq);
    await waitFor(async () => (await h.status())?.state === 'succeeded', { what: 'replayed task to succeed' });
    expect(await listDeadLetters(nats.nc, queue)).toHaveLength(0);
  });

  it('runs a task published by a plain NATS client with no headers (the wire format)', async () => {
    const greet = defineTask('greet', (p: { name: string }) => `hello ${p.name}`);
    const { queue } = await setup([greet]);
    const js = jetstream(nats.nc);
    const h = headers();
    h.set('Celeriac-Id', 'wire-1');
    await js.publish(`celeriac.${queue}.tasks.greet`, new TextEncoder().encode('{"name":"nats"}'), { headers: h });
    await js.publish(`celeriac.${queue}.tasks.greet`, new TextEncoder().encode('{"name":"bare"}'));
    const client = new Client(nats.nc, { queue });
    clients.push(client);
    expect(await client.result('wire-1', { timeoutMs: 5000 })).toBe('hello nats');
    const rec = await waitFor(() => client.status('seq-2'));
    expect(rec.result).toBe('hello bare');
  });

  describe('bad input never crashes the worker', () => {
    it('dead-letters malformed, unknown, invalid and oversized messages with reasons, and keeps running', async () => {
      const strict = defineTask('strict', (p: { n: number }) => p.n * 2, {
        schema: (input: unknown) => {
          if (typeof (input as { n?: unknown })?.n !== 'number') throw new Error('n must be a number');
          return input as { n: number };
        },
      });
      const { queue, client } = await setup([strict], { maxPayloadBytes: 1000 });
      const js = jetstream(nats.nc);
      const enc = new TextEncoder();
      await js.publish(`celeriac.${queue}.tasks.strict`, enc.encode('{not json'));
      await js.publish(`celeriac.${queue}.tasks.strict`, new Uint8Array([0xff, 0xfe, 0x00]));
      await js.publish(`celeriac.${queue}.tasks.nobody-knows-me`, enc.encode('{}'));
      await js.publish(`celeriac.${queue}.tasks.strict`, enc.encode('{"n":"seven"}'));
      await js.publish(`celeriac.${queue}.tasks.strict`, enc.encode(JSON.stringify({ n: 1, pad: 'x'.repeat(2000) })));
      const good = await client.enqueue(strict, { n: 21 });
      expect(await good.result({ timeoutMs: 5000 })).toBe(42);
      const dead = await waitFor(async () => {
        const all = await listDeadLetters(nats.nc, queue);
        return all.length === 5 ? all : undefined;
      });
      expect(dead.map((d) => d.reason).sort()).toEqual(['invalid-payload', 'malformed', 'malformed', 'too-large', 'unknown-task']);
      expect(dead.find((d) => d.reason === 'invalid-payload')?.error).toContain('n must be a number');
      expect(dead.find((d) => d.reason === 'unknown-task')?.error).toContain('nobody-knows-me');
    });

    it('survives handlers that throw non-Errors, hang past their timeout, or reject late', async () => {
      const weird = defineTask(
        'weird',
        async (p: { mode: string }) => {
          if (p.mode === 'string') throw 'a string';
          if (p.mode === 'undefined') throw undefined;
          if (p.mode === 'hang') return new Promise(() => undefined);
          if (p.mode === 'late') return new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 400));
          return 'fine';
        },
        { timeoutMs: 150, retry: { maxAttempts: 1 } },
      );
      const { client } = await setup([weird]);
      const modes = ['string', 'undefined', 'hang', 'late'];
      const handles = await Promise.all(modes.map((mode) => client.enqueue(weird, { mode })));
      for (const h of handles) await expect(h.result({ timeoutMs: 5000 })).rejects.toBeInstanceOf(TaskFailedError);
      expect((await handles[0]!.status())?.error?.message).toContain('a string');
      expect((await handles[2]!.status())?.error?.type).toBe('TaskTimeoutError');
      await new Promise((r) => setTimeout(r, 500)); // the late rejection happens now: no crash
      expect(await (await client.enqueue(weird, { mode: 'ok' })).result({ timeoutMs: 5000 })).toBe('fine');
    });
  });

  it('extends the ack deadline while a long task runs, so it is not redelivered', async () => {
    let runs = 0;
    const slow = defineTask('slow', async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 2500));
      return 'done';
    });
    const { client } = await setup([slow], { ackWaitMs: 1000 });
    expect(await (await client.enqueue(slow, null)).result({ timeoutMs: 8000 })).toBe('done');
    expect(runs).toBe(1);
  });

  it('runs each task once when pulled tasks wait for a slot longer than the ack wait', async () => {
    // Two slots, eight tasks of 1.5 s, ack wait 1 s: the pulled tasks behind the busy slots wait
    // up to 4.5 s. Before the consume loop kept them alive, the server redelivered them meanwhile
    // and 8 tasks ran 14 times.
    const attempts: number[] = [];
    const slow = defineTask('slow.queued', async (_: number, ctx) => {
      attempts.push(ctx.attempt);
      await new Promise((r) => setTimeout(r, 1500));
    });
    const { client, queue } = await setup([slow], { ackWaitMs: 1000, concurrency: 2 });
    const handles = await client.enqueueMany(slow, Array.from({ length: 8 }, (_, n) => ({ payload: n })));
    await Promise.all(handles.map((h) => h.result({ timeoutMs: 20_000 })));
    expect(attempts).toEqual(Array.from({ length: 8 }, () => 1));
    const n = queueNames(queue);
    expect((await (await jetstreamManager(nats.nc)).consumers.info(n.stream, n.consumer)).num_redelivered).toBe(0);
  }, 30_000);

  it('reports progress in the result record', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = defineTask('job', async (_: null, ctx) => {
      await ctx.progress({ done: 50 });
      await gate;
      return 1;
    });
    const { client } = await setup([job]);
    const h = await client.enqueue(job, null);
    const rec = await waitFor(async () => ((await h.status())?.progress ? await h.status() : undefined));
    expect(rec).toMatchObject({ state: 'started', progress: { done: 50 } });
    release();
    expect(await h.result()).toBe(1);
  });

  it('enqueues in bulk', async () => {
    const double = defineTask('double', (n: number) => n * 2);
    const { client } = await setup([double], { concurrency: 16 });
    const handles = await client.enqueueMany(double, Array.from({ length: 500 }, (_, i) => ({ payload: i })));
    expect(new Set(handles.map((h) => h.id)).size).toBe(500);
    const results = await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
  });

  it('runs without results when the queue has them off', async () => {
    let ran = 0;
    const fire = defineTask('fire', () => void ran++);
    const { client } = await setup([fire], { results: false });
    const h = await client.enqueue(fire, null);
    await waitFor(() => ran === 1);
    await expect(h.result({ timeoutMs: 500 })).rejects.toThrow(/results are off/);
  });

  it('drains in-flight tasks on close and hands back what it cannot finish', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    const nap = defineTask('nap', async (p: { ms: number; id: string }) => {
      started.push(p.id);
      await new Promise((r) => setTimeout(r, p.ms));
      finished.push(p.id);
    });
    const { client, worker, queue } = await setup([nap], { concurrency: 2 });
    await client.enqueue(nap, { ms: 100, id: 'short' });
    await client.enqueue(nap, { ms: 5000, id: 'long' });
    await waitFor(() => started.length === 2);
    const t0 = Date.now();
    await worker.close(500);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(finished).toEqual(['short']);
    // The long task was naked, not left to its 30 s ack wait: a new worker gets it at once.
    const again = new Worker(nats.nc, { queue, tasks: [nap], logger: testLogger, heartbeatIntervalMs: 0 });
    workers.push(again);
    const t1 = Date.now();
    await again.start();
    await waitFor(() => started.filter((id) => id === 'long').length === 2, { timeoutMs: 5000, what: 'long task redelivered' });
    expect(Date.now() - t1).toBeLessThan(5000);
  });
});
