// Worker.start() waits for its queue: a worker may start before the operator (or ensureQueue) has
// made the stream and consumer, as pods do on Kubernetes.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { pino } from 'pino';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const echo = defineTask('start.echo', (p: { n: number }) => p.n * 2);

describe('Worker.start() before its queue exists', () => {
  const nats = useNats();
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(1000)));
  });

  it('waits, logging, and consumes once the queue is created', async () => {
    const queue = uniqueQueue('start');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const worker = new Worker(nats.nc, { queue, tasks: [echo], logger, heartbeatIntervalMs: 0 });
    workers.push(worker);
    let started = false;
    const starting = worker.start().then(() => (started = true));
    await waitFor(() => lines.some((l) => l.includes('waiting for the queue to exist')), { what: 'a waiting log line' });
    expect(started).toBe(false);
    expect(worker.ready).toBe(false);

    await createQueue(nats.nc, queue);
    await starting;
    const client = new Client(nats.nc, { queue });
    const handle = await client.enqueue(echo, { n: 21 });
    expect(await handle.result({ timeoutMs: 10_000 })).toBe(42);
    await client.close();
  });

  it('rejects with an AbortError when its signal aborts while waiting', async () => {
    const worker = new Worker(nats.nc, { queue: uniqueQueue('start'), tasks: [echo], logger: testLogger, heartbeatIntervalMs: 0 });
    workers.push(worker);
    const stop = new AbortController();
    const starting = worker.start({ signal: stop.signal });
    stop.abort('test over');
    await expect(starting).rejects.toMatchObject({ name: 'AbortError', cause: 'test over' });
    expect(worker.ready).toBe(false);
  });

  it('rejects with an AbortError when closed while waiting', async () => {
    const worker = new Worker(nats.nc, { queue: uniqueQueue('start'), tasks: [echo], logger: testLogger, heartbeatIntervalMs: 0 });
    const starting = worker.start();
    await worker.close(1000);
    await expect(starting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
