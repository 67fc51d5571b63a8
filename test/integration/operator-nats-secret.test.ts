import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../crds/src/index.ts';
import type { RunningOperator } from '../../operator/src/operator.ts';
import { serverConnections, usersConfig } from '../support/connz.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { freshNamespace, getJson, kubectlOk, startTestOperator } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

/**
 * A TaskQueue's own NATS credentials (spec.nats.secretRef) through their life: rotation, the
 * queue's deletion, a bad url. Counted on the server: its /connz lists the operator's connections
 * with the user each authenticated as.
 */
describe('operator connections from a TaskQueue Secret', () => {
  const cp = useControlPlane({ profile: 'api' });
  let server: NatsServer;
  let operator: RunningOperator | undefined;
  let operatorTmp: string;
  const savedTmp = process.env.TMPDIR;

  beforeAll(async () => {
    server = await startNats({ config: usersConfig({ alice: 'alice-pw', bob: 'bob-pw' }) });
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', '--timeout=60s']);
    // The operator's temp dir (in a pod: its only writable path) is this file's own, to see what it writes there.
    operatorTmp = await mkdtemp(join(tmpdir(), 'celeriac-operator-tmp-'));
    process.env.TMPDIR = operatorTmp;
  });
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });
  afterAll(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await rm(operatorTmp, { recursive: true, force: true });
    await server?.stop();
  });

  async function scoped(natsUrl = server.url): Promise<string> {
    const ns = await freshNamespace(cp(), 'nats');
    operator = await startTestOperator(cp(), natsUrl, { namespace: ns });
    return ns;
  }
  const applySecret = (ns: string, name: string, data: Record<string, string>) =>
    kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data }));
  const applyQueue = (ns: string, name: string, nats: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
    kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name }, spec: { queueName: `${name}-${ns}`, storage: 'Memory', ...(nats ? { nats } : {}), ...extra } }));
  const readyOf = async (ns: string, name: string) => (await getJson<TaskQueue>(cp(), ['-n', ns, `tq/${name}`])).status?.conditions?.find((c) => c.type === 'Ready');
  const taskQueueReconciles = async () =>
    (await operator!.registry.getSingleMetric('celeriac_operator_reconcile_total')!.get()).values.filter((v) => v.labels.controller === 'taskqueue').reduce((n, v) => n + v.value, 0);
  const operatorUsers = async () => (await serverConnections(server.monitorUrl, 'celeriac-operator')).map((c) => c.authorized_user).sort();

  it('moves a queue to rotated credentials, stays Ready and closes the old connection', async () => {
    const ns = await scoped();
    await applySecret(ns, 'nats-auth', { url: server.url, user: 'alice', password: 'alice-pw' });
    await applyQueue(ns, 'rotating', { secretRef: { name: 'nats-auth' } });
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/rotating', '--timeout=30s']);
    expect(await operatorUsers()).toEqual(['alice']);

    const t0 = Date.now();
    await applySecret(ns, 'nats-auth', { url: server.url, user: 'bob', password: 'bob-pw' });
    await waitFor(async () => (await operatorUsers()).join() === 'bob', { what: 'the operator to be connected as bob only', timeoutMs: 20_000 });
    const rotateMs = Date.now() - t0;
    expect(await readyOf(ns, 'rotating')).toMatchObject({ status: 'True', reason: 'QueueReady' });
    // Its status is still read from JetStream, now through bob's connection: a task shows in the backlog.
    const producer = await connect({ servers: server.url, user: 'bob', pass: 'bob-pw' });
    try {
      await jetstream(producer).publish(`celeriac.rotating-${ns}.tasks.noop`, '{}');
    } finally {
      await producer.close();
    }
    await waitFor(async () => (await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/rotating'])).status?.backlog === 1, { what: 'the backlog to show the task' });
    console.log(`Secret change to old connection closed, new one up: ${rotateMs} ms (QUEUE_REFRESH_MS=1000)`);

    // Shutdown closes what is left.
    await operator!.stop();
    operator = undefined;
    await waitFor(async () => (await operatorUsers()).length === 0, { what: 'shutdown to close the connection' });
  }, 60_000);

  it('closes a deleted queue connection and leaves no credential file behind', async () => {
    const ns = await scoped();
    await applySecret(ns, 'nats-auth', { user: 'alice', password: 'alice-pw' });
    await applyQueue(ns, 'leaving', { secretRef: { name: 'nats-auth' } }, { deletionPolicy: 'Delete' });
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/leaving', '--timeout=30s']);
    expect(await operatorUsers()).toEqual(['alice']);
    expect(await readdir(operatorTmp)).toEqual([]);

    await kubectlOk(cp(), ['delete', '-n', ns, 'tq/leaving', '--timeout=30s']);
    await waitFor(async () => (await operatorUsers()).length === 0, { what: 'the queue connection to close', timeoutMs: 20_000 });
    expect((await operator!.registry.getSingleMetric('celeriac_operator_nats_connections')!.get()).values[0]?.value).toBe(0);
    expect(await readdir(operatorTmp)).toEqual([]);
  }, 60_000);

  it('names the source of a bad url in the queue condition, without the credentials, and recovers when the Secret is fixed', async () => {
    const ns = await scoped();
    await applySecret(ns, 'bad-nats', { url: `nats://alice:alice-pw@127.0.0.1:${server.port}` });
    await applyQueue(ns, 'badurl', { secretRef: { name: 'bad-nats' } });
    const ready = await waitFor(async () => {
      const r = await readyOf(ns, 'badurl');
      return r?.reason === 'InvalidNatsUrl' ? r : undefined;
    });
    expect(ready.status).toBe('False');
    expect(ready.message).toMatch(/^secret bad-nats key url: the url must not carry credentials/);
    expect(ready.message).not.toContain('alice-pw');
    expect(await operatorUsers()).toEqual([]);
    // Not a hot loop: the queue is looked at again once per refresh interval (1 s here).
    const before = await taskQueueReconciles();
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await taskQueueReconciles()) - before).toBeLessThanOrEqual(10);

    // No Secret event reaches the operator: the periodic look picks the fix up.
    await applySecret(ns, 'bad-nats', { url: server.url, user: 'alice', password: 'alice-pw' });
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/badurl', '--timeout=30s']);
  }, 60_000);

  it('names the operator setting when its own NATS_URL is bad, and keeps running', async () => {
    const ns = await scoped('http://127.0.0.1:4222');
    await applyQueue(ns, 'default-conn', undefined);
    const ready = await waitFor(async () => {
      const r = await readyOf(ns, 'default-conn');
      return r?.reason === 'InvalidNatsUrl' ? r : undefined;
    });
    expect(ready.message).toMatch(/^operator setting NATS_URL: the url must start with nats:\/\//);
    // A queue with its own url is served meanwhile.
    await applySecret(ns, 'nats-auth', { user: 'bob', password: 'bob-pw' });
    await applyQueue(ns, 'own-conn', { url: server.url, secretRef: { name: 'nats-auth' } });
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/own-conn', '--timeout=30s']);
  }, 60_000);
});
