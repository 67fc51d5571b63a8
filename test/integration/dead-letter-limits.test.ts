import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, PermanentError, Worker, defineTask, listDeadLetters, replayDeadLetter } from 'celeriac';
import { queueNames, taskSubject } from 'celeriac/protocol';
import { messageBytes, type Header } from '../../worker-runtime/src/worker/dead-letter-fit.ts';
import { useNats } from '../support/use-nats.ts';
import { createQueue, testLogger, uniqueQueue, waitFor } from '../support/queue.ts';

/** Small, so a task at the limit is cheap; the dead letter's headers then cannot fit beside it. */
const MAX_PAYLOAD = 16 * 1024;

describe('dead letters at the server limits', () => {
  const nats = useNats({ maxPayload: MAX_PAYLOAD });
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(1000)));
  });

  async function startWorker(queue: string, handler: () => unknown, retry = { maxAttempts: 1, backoff: { type: 'fixed' as const, delayMs: 50 } }) {
    const calls = { n: 0 };
    const task = defineTask('big', () => {
      calls.n++;
      return handler();
    });
    const worker = new Worker(nats.nc, { queue, tasks: [task], logger: testLogger, heartbeatIntervalMs: 0, defaultRetry: retry });
    workers.push(worker);
    await worker.start();
    return calls;
  }

  /** Publishes a task whose message (headers and body) is `bytesUnderLimit` under max_payload. */
  async function publishNear(queue: string, id: string, bytesUnderLimit: number) {
    const hs: Header[] = [
      ['Celeriac-Id', id],
      ['Nats-Msg-Id', id],
    ];
    const bodyBytes = MAX_PAYLOAD - bytesUnderLimit - messageBytes(hs, new Uint8Array(0));
    const body = new TextEncoder().encode(JSON.stringify('x'.repeat(bodyBytes - 2)));
    expect(messageBytes(hs, body)).toBe(MAX_PAYLOAD - bytesUnderLimit);
    const h = headers();
    for (const [k, v] of hs) h.set(k, v);
    await jetstream(nats.nc).publish(taskSubject(queue, 'big'), body, { headers: h });
    return body.length;
  }

  /** The task left the stream (termed or deleted) and nothing waits for a delivery. */
  async function queueEmpty(queue: string) {
    const jsm = await jetstreamManager(nats.nc);
    const n = queueNames(queue);
    const [stream, consumer] = await Promise.all([jsm.streams.info(n.stream), jsm.consumers.info(n.stream, n.consumer)]);
    return stream.state.messages === 0 && consumer.num_pending === 0 && consumer.num_ack_pending === 0;
  }

  async function recordOf(queue: string, id: string) {
    const client = new Client(nats.nc, { queue });
    try {
      return await waitFor(() => client.status(id), { what: 'result record' });
    } finally {
      await client.close();
    }
  }

  const deadLetterOf = (queue: string, id: string) =>
    waitFor(async () => (await listDeadLetters(nats.nc, queue)).find((d) => d.headers?.get('Celeriac-Id') === id), { what: 'dead letter' });

  it('dead-letters a task 400 bytes under max_payload by trimming the error headers, and ends it failed', async () => {
    const queue = uniqueQueue('dl');
    await createQueue(nats.nc, queue);
    const calls = await startWorker(queue, () => {
      throw new PermanentError('cannot process this: '.padEnd(600, 'e'));
    });
    const bodyBytes = await publishNear(queue, 'near-1', 400);

    const dead = await deadLetterOf(queue, 'near-1');
    expect(dead.reason).toBe('permanent-error');
    expect(dead.data.length).toBe(bodyBytes);
    expect(dead.headers?.get('Celeriac-Dead-Truncated')).toMatch(/^stack(,error)?$/);
    const record = await recordOf(queue, 'near-1');
    expect(record).toMatchObject({ state: 'failed', deadLetter: { seq: dead.seq } });
    expect(record.deadLetter?.truncated).toContain('stack');
    expect(record.deadLetter?.truncated).not.toContain('body');
    await waitFor(() => queueEmpty(queue), { what: 'task removed from the stream' });
    expect(calls.n).toBe(1);
  });

  it('dead-letters a task exactly at max_payload without its body, stating the loss, and ends it failed', async () => {
    const queue = uniqueQueue('dl');
    await createQueue(nats.nc, queue);
    const calls = await startWorker(queue, () => {
      throw new PermanentError('cannot process this');
    });
    const bodyBytes = await publishNear(queue, 'at-limit-1', 0);

    const dead = await deadLetterOf(queue, 'at-limit-1');
    expect(dead.reason).toBe('permanent-error');
    expect(dead.data.length).toBe(0);
    expect(dead.headers?.get('Celeriac-Dead-Truncated')?.split(',')).toContain('body');
    expect(dead.headers?.get('Celeriac-Dead-Body-Bytes')).toBe(String(bodyBytes));
    expect(dead.error).toBe('cannot process this');
    const record = await recordOf(queue, 'at-limit-1');
    expect(record).toMatchObject({ state: 'failed', error: { message: 'cannot process this' }, deadLetter: { seq: dead.seq } });
    expect(record.deadLetter?.truncated).toContain('body');
    await waitFor(() => queueEmpty(queue), { what: 'task removed from the stream' });
    expect(calls.n).toBe(1);
    // Replaying it would run the task on an empty payload: refused, and the dead letter stays.
    await expect(replayDeadLetter(nats.nc, queue, dead.seq)).rejects.toThrow(/without its body/);
    expect((await listDeadLetters(nats.nc, queue)).map((d) => d.seq)).toContain(dead.seq);
  });

  it('ends a task whose dead letter cannot be written after bounded tries: termed, its record says so', async () => {
    const queue = uniqueQueue('dl');
    await createQueue(nats.nc, queue);
    const calls = await startWorker(queue, () => {
      throw new PermanentError('cannot process this');
    });
    // The dead-letter stream disappears after the worker saw it: every copy is refused.
    await (await jetstreamManager(nats.nc)).streams.delete(queueNames(queue).deadLetterStream);
    await publishNear(queue, 'no-dlq-1', MAX_PAYLOAD - 200);

    const record = await recordOf(queue, 'no-dlq-1');
    expect(record).toMatchObject({ state: 'failed', error: { message: 'cannot process this' } });
    expect(record.deadLetter?.error).toMatch(/no dead letter written/);
    expect(record.deadLetter?.seq).toBeUndefined();
    await waitFor(() => queueEmpty(queue), { what: 'task removed from the stream' });
    expect(calls.n).toBe(1);
  });

  it('dead-letters a task the server stopped delivering at maxDeliveries, ends it dead and removes it', async () => {
    const queue = uniqueQueue('dl');
    // A misconfigured queue (bound below the task's attempts) reaches the server's bound first.
    await createQueue(nats.nc, queue, { maxDeliveries: 2 });
    const calls = await startWorker(
      queue,
      () => {
        throw new Error('flaky dependency');
      },
      { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 50 } },
    );
    await publishNear(queue, 'bounded-1', MAX_PAYLOAD - 200);

    const dead = await deadLetterOf(queue, 'bounded-1');
    expect(dead).toMatchObject({ reason: 'max-deliveries', attempts: 2 });
    const record = await recordOf(queue, 'bounded-1');
    expect(record).toMatchObject({ state: 'dead', attempts: 2, deadLetter: { seq: dead.seq } });
    await waitFor(() => queueEmpty(queue), { what: 'task removed from the stream' });
    expect(calls.n).toBe(2);
  });
});
