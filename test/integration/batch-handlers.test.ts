// Batch handlers on a real nats-server with a real Worker: a batch fires at its size or after its
// maximum wait, and each message of it is still acked, retried or dead-lettered on its own: one
// failing item is retried alone while the others succeed, a malformed or permanently failing
// item is dead-lettered alone.
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { HEADERS, taskSubject } from 'celeriac/protocol';
import { PermanentError, defineBatchTask, listDeadLetters, type BatchItem, type BatchTaskDefinition } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { waitFor } from '../support/queue.ts';
import { startQueueWithWorker, useCleanup } from '../support/queue-with-worker.ts';

describe('batch handlers on a real nats-server', () => {
  const nats = useNats();
  const cleanup = useCleanup();

  /** Each call's items, as (payload, attempt) pairs. */
  let calls: Array<Array<[string, number]>> = [];
  const seen = (items: ReadonlyArray<BatchItem<string>>) => calls.push(items.map((i) => [i.payload, i.attempt]));

  const upper = (batch: { size: number; maxWaitMs: number }) =>
    defineBatchTask('rows.upper', (items: ReadonlyArray<BatchItem<string>>) => (seen(items), items.map((i) => i.payload.toUpperCase())), { batch });

  async function start(task: BatchTaskDefinition<string, string>) {
    calls = [];
    return startQueueWithWorker(nats.nc, [task], { prefix: 'batch', concurrency: 16 }, cleanup);
  }

  it('fires when the batch is full: one call with every item, each item its own result', async () => {
    const task = upper({ size: 5, maxWaitMs: 60_000 });
    const { client } = await start(task);
    const handles = await client.enqueueMany(task, ['a', 'b', 'c', 'd', 'e'].map((payload) => ({ payload })));
    // The wait is a minute: results within seconds mean the size fired the batch.
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map(([p]) => p).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('fires a partial batch after its maximum wait', async () => {
    const task = upper({ size: 10, maxWaitMs: 300 });
    const { client } = await start(task);
    const handles = await client.enqueueMany(task, ['x', 'y', 'z'].map((payload) => ({ payload })));
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual(['X', 'Y', 'Z']);
    expect(calls.flat().map(([p]) => p).sort()).toEqual(['x', 'y', 'z']);
    expect(calls.every((c) => c.length < 10)).toBe(true);
  });

  it('runs the items it holds when the worker stops, instead of waiting out maxWaitMs', async () => {
    const task = upper({ size: 10, maxWaitMs: 60_000 });
    const { client, worker } = await start(task);
    const handles = await client.enqueueMany(task, ['p', 'q'].map((payload) => ({ payload })));
    await waitFor(() => worker.inFlightCount === 2, { what: 'both items waiting in the batch' });
    expect(calls).toEqual([]);
    await worker.close(30_000);
    expect(calls.flat().map(([p]) => p).sort()).toEqual(['p', 'q']);
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 5_000 })))).toEqual(['P', 'Q']);
  });

  // Fails 'flaky' on its first attempt and 'never' for good; the rest succeed.
  const picky = defineBatchTask(
    'rows.picky',
    (items: ReadonlyArray<BatchItem<string>>) => {
      seen(items);
      return items.map((i) => (i.payload === 'never' ? new PermanentError('row rejected') : i.payload === 'flaky' && i.attempt === 1 ? new Error('deadlock, try again') : `ok ${i.payload}`));
    },
    { batch: { size: 4, maxWaitMs: 200 }, retry: { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 50 } } },
  );

  it('retries one failing item alone while the others succeed', async () => {
    const { client } = await start(picky);
    const handles = await client.enqueueMany(picky, ['a', 'flaky', 'b', 'c'].map((payload) => ({ payload })));
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual(['ok a', 'ok flaky', 'ok b', 'ok c']);
    const runs = calls.flat();
    expect(runs.filter(([p]) => p !== 'flaky').map(([p, attempt]) => [p, attempt]).sort()).toEqual([['a', 1], ['b', 1], ['c', 1]]);
    expect(runs.filter(([p]) => p === 'flaky').map(([, attempt]) => attempt)).toEqual([1, 2]);
    expect(await handles[1]!.status()).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('retries every item when the handler throws', async () => {
    let thrown = false;
    const shaky = defineBatchTask(
      'rows.shaky',
      (items: ReadonlyArray<BatchItem<string>>) => {
        seen(items);
        if (!thrown) {
          thrown = true;
          throw new Error('database down');
        }
        return items.map((i) => i.payload);
      },
      { batch: { size: 3, maxWaitMs: 5_000 }, retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 50 } } },
    );
    const { client } = await start(shaky);
    const handles = await client.enqueueMany(shaky, ['a', 'b', 'c'].map((payload) => ({ payload })));
    expect(await Promise.all(handles.map((h) => h.result({ timeoutMs: 10_000 })))).toEqual(['a', 'b', 'c']);
    expect(calls[0]!.map(([, attempt]) => attempt)).toEqual([1, 1, 1]);
    expect(calls.slice(1).flat().map(([p, attempt]) => [p, attempt]).sort()).toEqual([['a', 2], ['b', 2], ['c', 2]]);
  });

  it('dead-letters a malformed item and a permanently failing one alone; the others succeed', async () => {
    const { queue, client } = await start(picky);
    const h = natsHeaders();
    h.set(HEADERS.id, 'malformed-1');
    await jetstream(nats.nc).publish(taskSubject(queue, 'rows.picky'), new TextEncoder().encode('{not json'), { headers: h });
    const handles = await client.enqueueMany(picky, ['a', 'never', 'b'].map((payload) => ({ payload })));
    const outcomes = await Promise.all(handles.map((x) => x.result({ timeoutMs: 10_000 }).then(String, (e: Error) => e.name)));
    expect(outcomes).toEqual(['ok a', 'TaskFailedError', 'ok b']);
    const dead = await waitFor(async () => {
      const d = await listDeadLetters(nats.nc, queue);
      return d.length === 2 ? d : undefined;
    });
    expect(dead.map((d) => d.reason).sort()).toEqual(['malformed', 'permanent-error']);
    expect(await client.status('malformed-1')).toMatchObject({ state: 'dead' });
    expect(await handles[1]!.status()).toMatchObject({ state: 'failed', attempts: 1 });
    // The malformed message never reached the handler; 'never' ran once.
    expect(calls.flat().map(([p]) => p).sort()).toEqual(['a', 'b', 'never']);
  });
});
