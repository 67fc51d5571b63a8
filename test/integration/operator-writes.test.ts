import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSubject } from 'celeriac/protocol';
import { EventRecorder } from '../../operator/src/kube/events.ts';
import { startControlPlane, type ControlPlane } from '../support/kube.ts';
import { useNats } from '../support/use-nats.ts';
import { useOperators, freshNamespace, getJson, kubectlOk } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';

interface Obj {
  metadata: { resourceVersion: string; name: string; namespace: string; uid: string };
  status?: { backlog?: number; arrivalRate?: number };
}

/**
 * Status writes the API server answered, counted by the API server itself. An unchanged
 * server-side apply changes no resourceVersion (the API server drops it before etcd), so only its
 * request counter shows whether the operator still sends one per refresh.
 */
async function statusApplies(cluster: ControlPlane): Promise<number> {
  const metrics = await kubectlOk(cluster, ['get', '--raw', '/metrics']);
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (line.includes('verb="APPLY"') && line.includes('group="celeriac.dev"') && line.includes('subresource="status"')) total += Number(line.split(' ').at(-1));
  }
  return total;
}

/** The operator writes to the API server only when something changed, and rate-limits its Events. */
describe('operator writes against a real API server', () => {
  // A control plane of its own: the API server's request counters must see this file's operator only.
  let plane: ControlPlane | undefined;
  const cp = (): ControlPlane => plane!;
  const nats = useNats();
  beforeAll(async () => {
    plane = await startControlPlane({ profile: 'api' });
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
  }, 180_000);
  afterAll(async () => {
    await plane?.stop();
  });
  // Registered after the plane's hook, so (hooks run as a stack) the operators stop first.
  const operators = useOperators(cp);

  it('leaves an idle queue and pool untouched across refreshes and resyncs, and writes when the backlog moves', async () => {
    const ns = await freshNamespace(cp(), 'idle');
    // Refresh every 300 ms: ten refreshes of the queue in the idle window below.
    await operators.start(nats.server.url, { namespace: ns, env: { QUEUE_REFRESH_MS: '300' } });
    const queue = `idle-${ns}`;
    await kubectlOk(
      cp(),
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: q}\nspec: {queueName: ${queue}, storage: Memory}\n---\n` +
        `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: p}\nspec: {queue: q, image: example/worker:1, replicas: 1, autoscaling: {enabled: false}}\n---\n` +
        `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: auto}\nspec: {queue: q, image: example/worker:1}\n`,
    );
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/q', '--timeout=30s']);
    const objects = ['tq/q', 'wp/p', 'wp/auto'];
    const read = () => Promise.all(objects.map((o) => getJson<Obj>(cp(), ['-n', ns, o])));
    // Settled: the queue has numbers, the pools saw it, the autoscaler wrote its first rate estimate.
    await waitFor(async () => {
      const [tq, p, auto] = await read();
      return tq?.status?.backlog !== undefined && p?.status !== undefined && auto?.status?.arrivalRate !== undefined;
    }, { what: 'statuses' });
    await sleep(1500); // the writes that follow Ready (the pools seeing their queue) settle

    // 6 s: twenty queue refreshes, six autoscaler polls and one autoscaler status interval.
    const before = await read();
    const appliesBefore = await statusApplies(cp());
    await sleep(6000);
    const after = await read();
    expect(await statusApplies(cp())).toBe(appliesBefore);
    expect(after.map((o) => o.metadata.resourceVersion)).toEqual(before.map((o) => o.metadata.resourceVersion));

    // A task arrives: the next refresh writes the new backlog.
    nats.nc.publish(taskSubject(queue, 't'), new Uint8Array());
    const moved = await waitFor(async () => {
      const tq = await getJson<Obj>(cp(), ['-n', ns, 'tq/q']);
      return tq.status?.backlog === 1 ? tq : undefined;
    }, { what: 'backlog 1 in status' });
    expect(moved.metadata.resourceVersion).not.toBe(before[0]!.metadata.resourceVersion);
    expect(await statusApplies(cp())).toBeGreaterThan(appliesBefore);
  });

  it('records one Event per object and reason per window, counting the ones held back', async () => {
    const ns = await freshNamespace(cp(), 'flap');
    await kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: flappy}\nspec: {storage: Memory}\n`);
    const tq = await getJson<Obj & { apiVersion: string; kind: string }>(cp(), ['-n', ns, 'tq/flappy']);
    const recorder = new EventRecorder(cp().kubeConfig(), 'writes-test', pino({ level: 'silent' }), { windowMs: 2000 });
    const sent: boolean[] = [];
    // A replica count flapping every 50 ms for 1 s: one Event, 19 held back.
    for (let i = 0; i < 20; i++) {
      sent.push(await recorder.record(tq, 'Normal', 'Scaled', `${i % 2} -> ${(i + 1) % 2}: flap`));
      await sleep(50);
    }
    expect(await recorder.record(tq, 'Normal', 'OtherReason', 'a reason of its own')).toBe(true);
    await sleep(2000);
    expect(await recorder.record(tq, 'Normal', 'Scaled', '0 -> 1: after the window')).toBe(true);

    const events = JSON.parse(await kubectlOk(cp(), ['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=flappy', '-o', 'json'])) as {
      items: Array<{ reason: string; message: string }>;
    };
    expect(sent.filter(Boolean)).toHaveLength(1);
    const scaled = events.items.filter((e) => e.reason === 'Scaled').map((e) => e.message).sort();
    expect(scaled).toEqual(['0 -> 1: after the window (19 similar held back)', '0 -> 1: flap']);
    expect(events.items.filter((e) => e.reason === 'OtherReason')).toHaveLength(1);
  });
});
