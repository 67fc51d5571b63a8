// spec.schedules through the real operator: a TaskQueue with a schedule gets its schedule message
// and status (kubectl get tq shows the count), an edit takes effect within a second, removal and
// deletion with Retain leave no schedule firing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../crds/src/index.ts';
import { readSchedules } from 'celeriac/topology';
import type { RunningOperator } from '../../operator/src/operator.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';
import { freshNamespace, getJson, kubectlOk, startTestOperator } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';

describe('the operator syncs spec.schedules', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators: RunningOperator[] = [];

  beforeAll(async () => {
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', '--timeout=60s']);
  });
  afterAll(async () => {
    await Promise.all(operators.map((o) => o.stop()));
  });

  it('creates, edits and removes schedule messages; a retained queue keeps none', async () => {
    const ns = await freshNamespace(cp());
    operators.push(await startTestOperator(cp(), nats.server.url, { namespace: ns }));
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
    expect(table).toMatch(/SCHEDULES[\s\S]*beat\s+True\s+\d+\s+\d+\s+2\s/);

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
});
