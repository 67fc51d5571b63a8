// A delayed task is a stream message: with file storage it outlives a nats-server restart that
// happens while it waits, and runs once after it.
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Worker, defineTask } from 'celeriac';
import { startNats, type NatsServer } from '../support/nats.ts';
import { connectTo, createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a delayed task across a nats-server restart', () => {
  let server: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  let worker: Worker | undefined;
  afterAll(async () => {
    await worker?.close(1000);
    await nc?.close();
    await server?.stop();
  });

  it('fires after the server comes back and runs once', async () => {
    server = await startNats();
    nc = await connectTo(server.url);
    const queue = uniqueQueue('delay-restart');
    await createQueue(nc, queue, { storage: 'file' });
    const runs: number[] = [];
    const task = defineTask('delay.restart', () => {
      runs.push(Date.now());
    });
    worker = new Worker(nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0 });
    await worker.start();
    const client = new Client(nc, { queue, publishTimeoutMs: 3000 });
    const runAt = Date.now() + 4000;
    const handle = await client.enqueue(task, undefined, { runAt });

    const { port, storeDir } = server;
    await server.stop({ keepStore: true, signal: 'SIGKILL' });
    await sleep(1000);
    server = await startNats({ port, storeDir });

    await waitFor(() => runs.length > 0, { timeoutMs: 20_000, what: 'the delayed task to run after the restart' });
    await waitFor(async () => (await handle.status().catch(() => undefined))?.state === 'succeeded', { what: 'its record' });
    await sleep(1000); // a second firing would show up here
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThanOrEqual(runAt);
  });
});
