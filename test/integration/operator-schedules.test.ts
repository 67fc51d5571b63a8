// spec.schedules through the real operator: a TaskQueue with a schedule gets its schedule message
// and status (kubectl get tq shows the count), an edit takes effect within a second, removal and
// deletion with Retain leave no schedule firing.
import { describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../crds/src/index.ts';
import { declareTask } from 'celeriac';
import { readSchedules } from 'celeriac/topology';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';
import { useOperators, freshNamespace, getJson, kubectlOk, useCrds } from '../support/operator.ts';
import { createQueue, waitFor } from '../support/queue.ts';
import { startTickRecorder } from '../support/tick-recorder.ts';

describe('the operator syncs spec.schedules', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators = useOperators(cp);

  useCrds(cp);

  it('creates, edits and removes schedule messages; a retained queue keeps none', async () => {
    const ns = await freshNamespace(cp());
    await operators.start(nats.server.url, { namespace: ns });
    const queue = `beat-${ns}`;
    const apply = (schedules: string) =>
      kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: beat, namespace: ${ns}}\nspec: {queueName: ${queue}, deletionPolicy: Retain, schedules: ${schedules}}\n`);
    const stored = () => readSchedules(nats.nc, queue, 'periodic.*');

    await apply('[{name: a, task: t.a, every: 2s}, {name: b, task: t.b, cron: "0 30 9 * * MON-FRI", timeZone: Europe/Berlin}]');
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/beat', '--timeout=30s']);
    const tq = await waitFor(async () => {
      const t = await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/beat']);
      return t.status?.scheduleCount === 2 ? t : undefined;
    });
    expect(tq.status!.schedules!.map((s) => s.name)).toEqual(['a', 'b']);
    expect(new Date(tq.status!.schedules![1]!.nextFireTime!).getUTCMinutes()).toBe(30);
    expect((await stored()).map((m) => m.headers['Nats-Schedule'])).toEqual(['@every 2s', '0 30 9 * * MON-FRI']);
    const table = await kubectlOk(cp(), ['get', '-n', ns, 'tq/beat']);
    expect(table).toMatch(/SCHEDULES[\s\S]*beat\s+True\s+\d+\s+\d+\s+\S*\s+2\s/);

    // Edit one, drop the other: in effect within a second of the apply.
    await apply('[{name: a, task: t.a, every: 5s}]');
    const edited = Date.now(); // the API server has the edit (kubectl's own start-up is not ours to count)
    const after = await waitFor(async () => {
      const s = await stored();
      return s.length === 1 && s[0]!.headers['Nats-Schedule'] === '@every 5s' ? s : undefined;
    }, { timeoutMs: 5000 });
    expect(Date.now() - edited).toBeLessThan(1500);
    expect(after[0]!.key).toBe('periodic.a');

    await kubectlOk(cp(), ['delete', '-n', ns, 'tq/beat', '--timeout=30s']);
    expect(await stored()).toEqual([]);
  });

  it('keeps ticking, once per tick, with the operator gone, and a new operator does not restart the schedule', async () => {
    const ns = await freshNamespace(cp());
    const first = await operators.start(nats.server.url, { namespace: ns });
    const queue = `tick-${ns}`;
    await createQueue(nats.nc, queue);
    const ping = declareTask<null, null>('beat.ping');
    const { runs, worker } = await startTickRecorder(nats.nc, queue, ping);
    try {
      await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: tick, namespace: ${ns}}\nspec: {queueName: ${queue}, deletionPolicy: Delete, schedules: [{name: p, task: beat.ping, every: 2s}]}\n`);
      const [made] = await waitFor(async () => {
        const s = await readSchedules(nats.nc, queue, 'periodic.*');
        return s.length === 1 ? s : undefined;
      });
      await waitFor(() => runs.length >= 1, { timeoutMs: 10_000, what: 'a tick' });

      await operators.stop(first);
      const stopped = Date.now();
      await waitFor(() => runs.filter((r) => r.at > stopped).length >= 2, { timeoutMs: 10_000, what: 'ticks with no operator' });

      await operators.start(nats.server.url, { namespace: ns });
      await waitFor(async () => (await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/tick'])).status?.scheduleCount === 1 || undefined);
      const restarted = Date.now();
      await waitFor(() => runs.filter((r) => r.at > restarted).length >= 2, { timeoutMs: 10_000, what: 'ticks after the new operator' });

      // The new operator found the schedule unchanged and left it (its interval was not restarted).
      const [now] = await readSchedules(nats.nc, queue, 'periodic.*');
      expect(now!.storedAt).toEqual(made!.storedAt);
      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
      const gaps = runs.slice(1).map((r, i) => r.at - runs[i]!.at);
      expect(gaps.every((g) => g > 1500 && g < 2500), `gaps ${gaps.join(', ')} ms`).toBe(true);
    } finally {
      await worker.close(1000);
    }
  });
});
