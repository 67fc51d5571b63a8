// Chains, groups and chords on a real nats-server with real Workers: results flow from link to
// link, groups keep member order, a chord's callback runs once, both error policies, a chord
// nested in a chain, a failed link stopping a chain, and a repeated start running once.
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { HEADERS, encodeJson, taskSubject } from 'celeriac/protocol';
import { PermanentError, WorkflowFailedError, chain, chord, defineTask, group, sig, startWorkflow, type GroupOutcome, type TaskDefinition } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { startQueueWithWorker, useCleanup } from '../support/queue-with-worker.ts';
import { waitFor } from '../support/queue.ts';

describe('workflows on a real nats-server', () => {
  const nats = useNats();
  const cleanup = useCleanup();

  const runs = new Map<string, number>();
  const count = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);

  const double = defineTask('double', (n: number) => (count('double'), n * 2));
  const addOne = defineTask('add-one', (n: number) => (count('add-one'), n + 1));
  const show = defineTask('show', (n: number) => (count('show'), `value ${n}`));
  const sum = defineTask('sum', (ns: number[]) => (count('sum'), ns.reduce((a, b) => a + b, 0)));
  const sumPartial = defineTask('sum.partial', (o: GroupOutcome<number[]>) => (count('sum.partial'), { sum: o.results.reduce<number>((a, b) => a + (b ?? 0), 0), failed: o.errors.map((e) => e.member) }));
  const maybeFail = defineTask('maybe-fail', (n: number) => {
    if (n < 0) throw new PermanentError(`negative: ${n}`);
    return n;
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every type
  const all: TaskDefinition<any, any>[] = [double, addOne, show, sum, sumPartial, maybeFail];

  async function start(results = true, duplicateWindowMs = 60_000) {
    runs.clear();
    const settings = { results: { enabled: results, ttlMs: 60_000, maxBytes: 0 }, duplicateWindowMs };
    return startQueueWithWorker(nats.nc, all, { prefix: 'wf', settings }, cleanup);
  }

  it('runs a chain of 3, each result feeding the next, and records each step', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chain(sig(double, 5), addOne, show), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe('value 11');
    expect(await wf.status()).toMatchObject({ state: 'succeeded', stage: 2, stages: 3, result: 'value 11' });
    const steps = await wf.steps();
    expect(steps.map((s) => s.map((r) => [r?.task, r?.state, r?.result]))).toEqual([[['double', 'succeeded', 10]], [['add-one', 'succeeded', 11]], [['show', 'succeeded', 'value 11']]]);
  });

  it('runs a chain with results off: workflow state lives in its own bucket', async () => {
    const { queue, client } = await start(false);
    const wf = await startWorkflow(client, chain(sig(double, 1), double, double), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe(8);
  });

  it('collects a group of 10 in member order', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, group(Array.from({ length: 10 }, (_, i) => sig(double, i))), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
  });

  it('runs a chord of 20 and its callback once, with every result', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chord(group(Array.from({ length: 20 }, (_, i) => sig(addOne, i))), sum), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe(210); // 1 + 2 + ... + 20
    expect(runs.get('add-one')).toBe(20);
    expect(runs.get('sum')).toBe(1);
  });

  it('runs a chord of 100 (its finished members counted in sharded lists) and its callback once, with every result and error', async () => {
    const { queue, client } = await start();
    // Members 7 and 70 fail: different shards of the 4 (member % 4 = 3 and 2).
    const members = Array.from({ length: 100 }, (_, i) => sig(maybeFail, i === 7 || i === 70 ? -i : i));
    const wf = await startWorkflow(client, chord(group(members), sumPartial, { onError: 'continue' }), { queue });
    const expected = Array.from({ length: 100 }, (_, i) => i).reduce((a, b) => a + b, 0) - 77;
    expect(await wf.result({ timeoutMs: 30_000 })).toEqual({ sum: expected, failed: [7, 70] });
    expect(runs.get('sum.partial')).toBe(1);
  });

  it('fails a chord with a failed member (default policy): the callback never runs, the error names the member', async () => {
    const { queue, client } = await start();
    const members = [sig(maybeFail, 1), sig(maybeFail, -2), sig(maybeFail, 3)];
    const wf = await startWorkflow(client, chord(group(members), sum), { queue });
    const err = await wf.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).failedAt).toMatchObject({ stage: 0, member: 1, task: 'maybe-fail', state: 'failed', error: { message: 'negative: -2' } });
    await new Promise((r) => setTimeout(r, 300)); // the other members finish; still no callback
    expect(runs.get('sum')).toBeUndefined();
    expect(await wf.status()).toMatchObject({ state: 'failed' });
  });

  it("runs the callback with partial results and the errors under { onError: 'continue' }", async () => {
    const { queue, client } = await start();
    const members = [sig(maybeFail, 1), sig(maybeFail, -2), sig(maybeFail, 3), sig(maybeFail, -4)];
    const wf = await startWorkflow(client, chord(group(members), sumPartial, { onError: 'continue' }), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toEqual({ sum: 4, failed: [1, 3] });
    expect(runs.get('sum.partial')).toBe(1);
  });

  it('runs a chord nested in a chain: the chain goes on with the callback result', async () => {
    const { queue, client } = await start();
    const flow = chain(sig(double, 1), chord(group([sig(double, 10), sig(double, 20)]), sum), addOne, show);
    const wf = await startWorkflow(client, flow, { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe('value 61');
    expect(runs.get('sum')).toBe(1);
  });

  it('stops a chain at a failed link, with a final state saying where', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chain(sig(double, -3), maybeFail, show), { queue });
    const err = await wf.result({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).failedAt).toMatchObject({ stage: 1, task: 'maybe-fail', id: `wf-${wf.id}-1`, state: 'failed' });
    expect((err as Error).message).toMatch(/stage 1 \(maybe-fail/);
    expect(runs.get('show')).toBeUndefined();
  });

  it('starts a workflow once for one idempotency key', async () => {
    const { queue, client } = await start();
    const flow = chord(group([sig(addOne, 1), sig(addOne, 2)]), sum);
    const [a, b] = await Promise.all([startWorkflow(client, flow, { queue, idempotencyKey: 'order-7' }), startWorkflow(client, flow, { queue, idempotencyKey: 'order-7' })]);
    expect(b.id).toBe(a.id);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(await a.result({ timeoutMs: 10_000 })).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs.get('add-one')).toBe(2);
    expect(runs.get('sum')).toBe(1);
  });

  /**
   * A step's message delivered again after its workflow moved on, with a new message id: what a
   * redelivery looks like once JetStream's dedupe window has passed. Only the workflow record
   * (compare-and-set, never backwards) stands between it and a second next step.
   */
  const DEDUPE_WINDOW_MS = 200;
  async function deliverAgain(queue: string, task: string, workflowId: string, step: string, payload: unknown, before: number) {
    await new Promise((r) => setTimeout(r, DEDUPE_WINDOW_MS + 100)); // past the window: a repeated next step would not be a duplicate
    const h = natsHeaders();
    h.set(HEADERS.id, `wf-${workflowId}-${step.replace('.', '-')}`);
    h.set(HEADERS.workflowId, workflowId);
    h.set(HEADERS.workflowStep, step);
    await jetstream(nats.nc).publish(taskSubject(queue, task), encodeJson(payload), { headers: h, msgID: `again-${workflowId}-${step}` });
    await waitFor(() => (runs.get(task) ?? 0) > before, { what: `${task} run again` });
    await new Promise((r) => setTimeout(r, 300)); // time for a wrong next step to run
  }

  it('takes no next link when a finished link completes again past the dedupe window', async () => {
    const { queue, client } = await start(true, DEDUPE_WINDOW_MS);
    const wf = await startWorkflow(client, chain(sig(double, 5), addOne, show), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe('value 11');
    await deliverAgain(queue, 'double', wf.id, '0', 5, 1);
    expect(runs.get('add-one')).toBe(1);
    expect(runs.get('show')).toBe(1);
    expect(await wf.status()).toMatchObject({ state: 'succeeded', result: 'value 11' });
  });

  it('runs no second callback when a member of a finished chord completes again past the dedupe window', async () => {
    const { queue, client } = await start(true, DEDUPE_WINDOW_MS);
    const wf = await startWorkflow(client, chord(group([sig(addOne, 1), sig(addOne, 2), sig(addOne, 3)]), sum), { queue });
    expect(await wf.result({ timeoutMs: 10_000 })).toBe(9);
    await deliverAgain(queue, 'add-one', wf.id, '0.1', 2, 3);
    expect(runs.get('sum')).toBe(1);
  });

  it('does not run the first stage again when a finished workflow is started again with its key', async () => {
    const { queue, client } = await start(true, DEDUPE_WINDOW_MS);
    const flow = chain(sig(double, 2), addOne);
    const first = await startWorkflow(client, flow, { queue, idempotencyKey: 'once' });
    expect(await first.result({ timeoutMs: 10_000 })).toBe(5);
    await new Promise((r) => setTimeout(r, DEDUPE_WINDOW_MS + 100));
    const again = await startWorkflow(client, flow, { queue, idempotencyKey: 'once' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(await again.result({ timeoutMs: 10_000 })).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs.get('double')).toBe(1);
  });
});
