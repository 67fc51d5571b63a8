// The producer's API on a real nats-server: declared tasks, enqueueMany with per-item options,
// status and result by id, and Client.connect owning its connection.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, declareTask, defineTask } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue } from '../support/queue.ts';

/** What a producer imports: names and types only, none of the worker's code. */
const greet = declareTask<{ name: string }, { greeting: string; meta: Record<string, string> }>('api.greet');

describe('the Client API', () => {
  const nats = useNats();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function serve(queue: string) {
    await createQueue(nats.nc, queue);
    const impl = defineTask(greet, (p, ctx) => ({ greeting: `hello ${p.name}`, meta: { ...ctx.metadata } }));
    const worker = new Worker(nats.nc, { queue, tasks: [impl], logger: testLogger, heartbeatIntervalMs: 0 });
    closers.push(() => worker.close(1000));
    await worker.start();
  }

  it('enqueues a declared task that a worker runs with the handler bound to it', async () => {
    const queue = uniqueQueue('api');
    await serve(queue);
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(greet, { name: 'ada' });
    expect((await handle.result({ timeoutMs: 10_000 })).greeting).toBe('hello ada');
  });

  it('refuses at construction a worker given a declared task without a handler', () => {
    // A cast, as plain JavaScript or a loose registry would pass it; the types already refuse it.
    const tasks = [greet] as unknown as ConstructorParameters<typeof Worker>[1]['tasks'];
    expect(() => new Worker(nats.nc, { queue: uniqueQueue('api'), tasks, logger: testLogger })).toThrow(/api\.greet is declared but has no handler/);
  });

  it('enqueueMany takes per-item ids, idempotency keys and metadata over shared metadata', async () => {
    const queue = uniqueQueue('api');
    await serve(queue);
    const client = new Client(nats.nc, { queue });
    const handles = await client.enqueueMany(
      greet,
      [
        { payload: { name: 'a' }, id: 'item-a', metadata: { lang: 'fr' } },
        { payload: { name: 'b' }, idempotencyKey: 'order-7' },
        { payload: { name: 'b again' }, idempotencyKey: 'order-7' },
      ],
      { metadata: { lang: 'en', batch: '1' } },
    );
    expect(handles.map((h) => h.duplicate)).toEqual([false, false, true]);
    expect(handles[0]!.id).toBe('item-a');
    expect(handles[2]!.id).toBe(handles[1]!.id);
    expect(await handles[0]!.result({ timeoutMs: 10_000 })).toEqual({ greeting: 'hello a', meta: { lang: 'fr', batch: '1' } });
    expect(await handles[1]!.result({ timeoutMs: 10_000 })).toEqual({ greeting: 'hello b', meta: { lang: 'en', batch: '1' } });
  });

  it('reads status and result by id with an options object naming the queue', async () => {
    const queue = uniqueQueue('api');
    await serve(queue);
    const producer = new Client(nats.nc, { queue });
    const { id } = await producer.enqueue(greet, { name: 'grace' });
    const elsewhere = new Client(nats.nc); // another process: knows only the id and the queue
    expect(await elsewhere.result(id, { queue, timeoutMs: 10_000 })).toMatchObject({ greeting: 'hello grace' });
    expect(await elsewhere.status(id, { queue })).toMatchObject({ id, state: 'succeeded', task: 'api.greet' });
    expect(() => elsewhere.status(id)).toThrow(/no queue/);
  });

  it('Client.connect opens a connection that close() closes', async () => {
    const queue = uniqueQueue('api');
    const client = await Client.connect({ servers: nats.server.url, queue });
    expect(client.nc.isClosed()).toBe(false);
    await client.close();
    expect(client.nc.isClosed()).toBe(true);
    // A borrowed connection stays open.
    await new Client(nats.nc, { queue }).close();
    expect(nats.nc.isClosed()).toBe(false);
  });
});
