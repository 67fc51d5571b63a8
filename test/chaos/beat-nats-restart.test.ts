// Periodic schedules across a nats-server restart (file storage): the schedule survives, no tick
// runs twice, and the ticks missed while the server was down collapse into at most one late tick
// (the documented catch-up policy), after which the cadence resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client, declareTask } from 'celeriac';
import { startNats, type NatsServer } from '../support/nats.ts';
import { connectTo, createQueue, uniqueQueue, waitFor } from '../support/queue.ts';
import { startTickRecorder } from '../support/tick-recorder.ts';

const tick = declareTask<null, null>('beat.restart');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a periodic schedule across a NATS restart', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startNats();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('keeps firing after the restart, runs no tick twice, and catches up with at most one tick', async () => {
    const queue = uniqueQueue('beat-restart');
    await createQueue(nc, queue, { storage: 'file' });
    const { runs, worker } = await startTickRecorder(nc, queue, tick);
    const client = new Client(nc, { queue });
    try {
      await client.schedule({ name: 'r', task: tick, every: '2s', payload: null });
      await waitFor(() => runs.length >= 2, { timeoutMs: 10_000, what: 'two ticks before the outage' });

      await server.stop({ keepStore: true, signal: 'SIGTERM' });
      const down = Date.now();
      await sleep(7_000); // three or four ticks come due meanwhile
      server = await startNats({ port: server.port, storeDir: server.storeDir });
      const up = Date.now();
      const before = runs.filter((r) => r.at < down).length;
      await waitFor(() => runs.filter((r) => r.at >= up).length >= 4, { timeoutMs: 30_000, what: 'four ticks after the restart' });

      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
      const after = runs.filter((r) => r.at >= up);
      // At most one missed tick runs: no burst of catch-up ticks at the restart.
      const gaps = after.slice(1).map((r, i) => r.at - after[i]!.at);
      expect(gaps.every((g) => g > 900), `gaps after the restart: ${gaps.join(', ')} ms`).toBe(true);
      expect(runs.length - before - after.length).toBe(0); // nothing ran while the server was down
      expect(await client.schedules()).toHaveLength(1);
    } finally {
      await client.unschedule('r').catch(() => undefined);
      await worker.close(1000);
    }
  });
});
