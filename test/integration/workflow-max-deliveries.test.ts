// A workflow step the server stops delivering at the queue's maxDeliveries bound (dead-lettered
// by the MAX_DELIVERIES advisory path, worker/max-deliveries.ts, not by the worker's own retry
// decision) settles its workflow: a chain fails at that link, a chord fails at that member or,
// with onError 'continue', its callback gets the member's error.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, chain, chord, defineTask, group, sig, startWorkflow, type GroupOutcome, type TaskDefinition } from 'celeriac';
import { useNats } from '../support/use-nats.ts';
import { startQueueWithWorker, useCleanup } from '../support/queue-with-worker.ts';

describe('a workflow step past maxDeliveries', () => {
  const nats = useNats();
  const cleanup = useCleanup();

  const runs = new Map<string, number>();
  const count = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
  const ok = defineTask('ok', (n: number) => (count('ok'), n));
  // More attempts than the queue's bound: the server's bound ends it first, not the worker.
  const flaky = defineTask('flaky', () => {
    count('flaky');
    throw new Error('flaky dependency');
  }, { retry: { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 20 } } });
  const after = defineTask('after', (n: number) => (count('after'), n));
  const sum = defineTask('sum', (ns: number[]) => (count('sum'), ns.reduce((a, b) => a + b, 0)));
  const sumPartial = defineTask('sum.partial', (o: GroupOutcome<number[]>) => (count('sum.partial'), { failed: o.errors.map((e) => [e.member, e.state]) }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every type
  const all: TaskDefinition<any, any>[] = [ok, flaky, after, sum, sumPartial];

  async function start() {
    runs.clear();
    return startQueueWithWorker(nats.nc, all, { prefix: 'wfmd', settings: { maxDeliveries: 2 }, concurrency: 4 }, cleanup);
  }

  it('fails a chain at the link, and the next link never runs', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chain(sig(ok, 1), flaky, after), { queue });
    const err = await wf.result({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).failedAt).toMatchObject({ stage: 1, task: 'flaky', state: 'dead', error: { type: 'MaxDeliveries' } });
    expect(await wf.status()).toMatchObject({ state: 'failed', stage: 1 });
    expect(runs.get('flaky')).toBe(2);
    expect(runs.get('after')).toBeUndefined();
  });

  it('fails a chord at the member (default policy): the callback never runs', async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chord(group([sig(ok, 1), sig(flaky, undefined), sig(ok, 3)]), sum), { queue });
    const err = await wf.result({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).failedAt).toMatchObject({ stage: 0, member: 1, task: 'flaky', state: 'dead' });
    expect(runs.get('sum')).toBeUndefined();
  });

  it("runs a chord's callback with the member's error under onError 'continue'", async () => {
    const { queue, client } = await start();
    const wf = await startWorkflow(client, chord(group([sig(ok, 1), sig(flaky, undefined)]), sumPartial, { onError: 'continue' }), { queue });
    expect(await wf.result({ timeoutMs: 15_000 })).toEqual({ failed: [[1, 'dead']] });
    expect(runs.get('sum.partial')).toBe(1);
  });
});
