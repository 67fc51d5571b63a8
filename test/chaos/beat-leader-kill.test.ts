// A periodic schedule declared in a TaskQueue fires every 2 s for a minute while the leading
// operator (of two replicas with leader election) is SIGKILLed a third of the way in. Server-side
// schedules need no process of ours to fire, so the kill must not show at all: every tick runs
// exactly once, on its 2 s cadence, with no gap and no extra tick around the failover.
import { afterAll, describe, expect, it } from 'vitest';
import { declareTask } from 'celeriac';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.ts';
import { freshNamespace, kubectlOk, useCrds } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { report, sleep } from '../support/chaos.ts';
import { startTickRecorder } from '../support/tick-recorder.ts';

const ping = declareTask<null, null>('beat.leader-kill');
const RUN_MS = 60_000;
const EVERY_MS = 2_000;

describe('a periodic schedule while the leading operator is killed', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators: OperatorProcess[] = [];
  useCrds(cp);
  afterAll(async () => {
    await Promise.all(operators.map((o) => o.kill('SIGKILL')));
  });

  it('fires every tick once, on cadence, for a minute across the failover', { timeout: 150_000 }, async () => {
    const ns = await freshNamespace(cp());
    for (let i = 0; i < 2; i++) operators.push(await startOperatorProcess(cp(), nats.server.url, { namespace: ns }));
    const queue = `beat-kill-${ns}`;
    await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: tick, namespace: ${ns}}\nspec: {queueName: ${queue}, deletionPolicy: Delete, schedules: [{name: p, task: ${ping.name}, every: 2s}]}\n`);
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/tick', '--timeout=60s']);

    const { runs, worker } = await startTickRecorder(nats.nc, queue, ping);
    try {
      await waitFor(() => runs.length >= 1, { timeoutMs: 10_000, what: 'a first tick' });
      const from = runs[0]!.at;

      await sleep(RUN_MS / 3);
      const leader = await waitFor(async () => {
        const r = await cp().kubectl(['get', '-n', ns, 'lease/celeriac-operator', '-o', 'jsonpath={.spec.holderIdentity}']);
        return operators.find((o) => r.code === 0 && o.identity() === r.stdout.trim());
      }, { what: 'the leader' });
      await leader.kill('SIGKILL');
      const killedAt = Date.now();
      operators.push(await startOperatorProcess(cp(), nats.server.url, { namespace: ns }));

      await sleep(from + RUN_MS - Date.now());
      const window = runs.filter((r) => r.at <= from + RUN_MS);
      const gaps = window.slice(1).map((r, i) => r.at - window[i]!.at);
      report('beat-leader-kill', { ticks: window.length, minGapMs: Math.min(...gaps), maxGapMs: Math.max(...gaps), killedAtMs: killedAt - from });

      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
      // 60 s at one tick per 2 s, counted from the first: 31 ticks, give or take the edge tick.
      expect(window.length).toBeGreaterThanOrEqual(RUN_MS / EVERY_MS);
      expect(window.length).toBeLessThanOrEqual(RUN_MS / EVERY_MS + 1);
      expect(gaps.every((g) => g > EVERY_MS * 0.6 && g < EVERY_MS * 1.4), `gaps ${gaps.join(', ')} ms`).toBe(true);
    } finally {
      await worker.close(1000);
    }
  });
});
