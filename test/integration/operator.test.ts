import { readFileSync } from 'node:fs';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import type { V1Deployment } from '@kubernetes/client-node';
import type { TaskQueue, WorkerPool } from '../../crds/src/index.ts';
import { Client, defineTask, readRateLimits, type RateLimitEntry } from 'celeriac';
import type { RunningOperator } from '../../operator/src/operator.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { startNats } from '../support/nats.ts';
import { useNats } from '../support/use-nats.ts';
import { useCrds, useOperators, freshNamespace, getJson, kubectlOk, startTestOperator } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';

const example = readFileSync(new URL('../../examples/queue.yaml', import.meta.url), 'utf8');

describe('operator against a real API server and nats-server', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators = useOperators(cp);
  /** A fresh namespace with an operator watching only it, so tests never act on each other's objects. */
  async function scoped(natsUrl = nats.server.url): Promise<string> {
    const ns = await freshNamespace(cp());
    await operators.start(natsUrl, { namespace: ns });
    return ns;
  }

  useCrds(cp);

  const streamInfo = async (name: string) => (await jetstreamManager(nats.nc)).streams.info(name).catch(() => undefined);
  const ready = (o: { status?: { conditions?: Array<{ type: string; status: string }> } }) =>
    o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

  it('turns examples/queue.yaml into a stream, consumer, dead-letter stream and result bucket, Ready at its generation', async () => {
    const ns = await scoped();
    const t0 = Date.now();
    await kubectlOk(cp(), ['apply', '-n', ns, '-f', '-'], example);
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/emails', '--timeout=30s']);
    const applyToReadyMs = Date.now() - t0;
    const tq = await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/emails']);
    expect(tq.status?.observedGeneration).toBe(tq.metadata.generation);
    expect(tq.status?.stream).toBe('CELERIAC_EMAILS');
    expect(tq.metadata.finalizers).toContain('celeriac.dev/jetstream');
    const stream = await streamInfo('CELERIAC_EMAILS');
    expect(stream?.config).toMatchObject({
      subjects: ['celeriac.emails.tasks.emails.send', 'celeriac.emails.tasks.emails.digest', 'celeriac.emails.sched.>'],
      retention: 'workqueue',
      storage: 'file',
      max_msgs: 1_000_000,
      max_bytes: 1024 ** 3,
      discard: 'new',
      duplicate_window: 120_000_000_000,
    });
    const consumer = await (await jetstreamManager(nats.nc)).consumers.info('CELERIAC_EMAILS', 'workers');
    expect(consumer.config).toMatchObject({ ack_policy: 'explicit', ack_wait: 30_000_000_000, max_ack_pending: 10_000 });
    expect(await streamInfo('CELERIAC_EMAILS_DLQ')).toBeDefined();
    expect((await streamInfo('KV_CELERIAC_EMAILS_RESULTS'))?.config.max_age).toBe(24 * 3600 * 1e9);
    console.log(`apply to Ready: ${applyToReadyMs} ms`);

    // The example's WorkerPool becomes an owned Deployment with the queue wired in.
    const dep = await waitFor(() => getJson<{ metadata: { ownerReferences: Array<{ kind: string }> }; spec: { replicas: number; template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } }>(cp(), ['-n', ns, 'deployment/emails-workers']).catch(() => undefined));
    expect(dep.metadata.ownerReferences[0]?.kind).toBe('WorkerPool');
    const env = dep.spec.template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'CELERIAC_QUEUE', value: 'emails' });
    expect(env).toContainEqual({ name: 'NATS_URL', value: nats.server.url });
    const pool = await waitFor(async () => {
      const p = await getJson<WorkerPool>(cp(), ['-n', ns, 'wp/emails-workers']);
      return p.status?.selector ? p : undefined;
    });
    expect(pool.status?.selector).toBe('celeriac.dev/pool=emails-workers');
    expect(pool.status?.conditions?.find((c) => c.type === 'QueueFound')?.status).toBe('True');
  });

  it('follows spec changes into JetStream and reports fields JetStream cannot change', async () => {
    const ns = await scoped();
    const q = (spec: string) => `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: follow, namespace: ${ns}}\nspec: {queueName: follow-${ns}, ${spec}}\n`;
    await kubectlOk(cp(), ['apply', '-f', '-'], q('ackWait: 10s, limits: {maxMessages: 100}'));
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/follow', '--timeout=30s']);
    const stream = `CELERIAC_FOLLOW_${ns.toUpperCase().replaceAll('-', '_')}`;
    await kubectlOk(cp(), ['apply', '-f', '-'], q('ackWait: 45s, limits: {maxMessages: 500}, results: {enabled: false}'));
    await waitFor(async () => (await streamInfo(stream))?.config.max_msgs === 500, { what: 'max_msgs updated' });
    const consumer = await waitFor(async () => {
      const c = await (await jetstreamManager(nats.nc)).consumers.info(stream, 'workers');
      return c.config.ack_wait === 45e9 ? c : undefined;
    });
    expect(consumer.config.ack_wait).toBe(45e9);
    await waitFor(async () => (await streamInfo(`KV_${stream}_RESULTS`)) === undefined, { what: 'result bucket removed' });
    const tq = await waitFor(async () => {
      const t = await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/follow']);
      return t.status?.observedGeneration === t.metadata.generation && ready(t) ? t : undefined;
    });
    expect(tq.status?.observedGeneration).toBe(2);

    // Deleted behind the operator's back: recreated on the next resync.
    const jsm = await jetstreamManager(nats.nc);
    await jsm.streams.delete(`${stream}_DLQ`);
    await waitFor(async () => (await streamInfo(`${stream}_DLQ`)) !== undefined, { timeoutMs: 15_000, what: 'dead-letter stream recreated' });

    // Recreated by hand with another storage type, which JetStream cannot change in place: reported, not ignored.
    const existing = (await streamInfo(stream))!.config;
    await jsm.streams.delete(stream);
    await jsm.streams.add({ ...existing, storage: StorageType.Memory });
    const drift = await waitFor(async () => {
      const t = await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/follow']);
      const c = t.status?.conditions?.find((x) => x.type === 'SpecApplied');
      return c?.status === 'False' ? c : undefined;
    }, { timeoutMs: 15_000, what: 'SpecApplied=False' });
    expect(drift.reason).toBe('FieldsNotUpdatable');
    expect(drift.message).toContain(`stream/${stream}.storage`);
  });

  it('writes spec.rateLimits to the queue\'s limits bucket and follows edits', async () => {
    const ns = await scoped();
    const queue = `limits-${ns}`;
    const q = (limits: string) => `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: limits, namespace: ${ns}}\nspec: {queueName: ${queue}, rateLimits: [${limits}]}\n`;
    await kubectlOk(cp(), ['apply', '-f', '-'], q('{limit: 50}, {task: email.send, limit: 3, period: 1m}'));
    const byTask = (ls: RateLimitEntry[]) => [...ls].sort((a, b) => (a.task ?? '').localeCompare(b.task ?? ''));
    await waitFor(async () => (await readRateLimits(nats.nc, queue).catch(() => [])).length === 2, { what: 'two limits stored' });
    expect(byTask(await readRateLimits(nats.nc, queue))).toEqual([
      { limit: 50, periodMs: 1000, source: 'operator' },
      { task: 'email.send', limit: 3, periodMs: 60_000, source: 'operator' },
    ]);
    await kubectlOk(cp(), ['apply', '-f', '-'], q('{task: email.send, limit: 7}'));
    await waitFor(async () => (await readRateLimits(nats.nc, queue)).length === 1, { what: 'the queue-wide limit removed' });
    expect(await readRateLimits(nats.nc, queue)).toEqual([{ task: 'email.send', limit: 7, periodMs: 1000, source: 'operator' }]);
  });

  it('runs the deletion policy: Retain keeps the stream, Delete removes it', async () => {
    const ns = await scoped();
    const q = (name: string, policy: string) =>
      `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {queueName: ${name}-${ns}, deletionPolicy: ${policy}}\n`;
    await kubectlOk(cp(), ['apply', '-f', '-'], q('keep', 'Retain') + '---\n' + q('drop', 'Delete'));
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/keep', 'tq/drop', '--timeout=30s']);
    const s = (name: string) => `CELERIAC_${`${name}-${ns}`.toUpperCase().replaceAll('-', '_')}`;
    expect(await streamInfo(s('keep'))).toBeDefined();
    await kubectlOk(cp(), ['delete', '-n', ns, 'tq/keep', 'tq/drop', '--timeout=30s']);
    expect(await streamInfo(s('keep'))).toBeDefined();
    expect(await streamInfo(s('drop'))).toBeUndefined();
    expect(await streamInfo(`${s('drop')}_DLQ`)).toBeUndefined();
  });

  it('gives a WorkerPool naming a missing queue a clear condition, then serves it once the queue exists', async () => {
    const ns = await scoped();
    await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: orphan, namespace: ${ns}}\nspec: {queue: later, image: worker:1}\n`);
    const pool = await waitFor(async () => {
      const p = await getJson<WorkerPool>(cp(), ['-n', ns, 'wp/orphan']);
      return p.status?.conditions?.find((c) => c.type === 'QueueFound') ? p : undefined;
    });
    const found = pool.status?.conditions?.find((c) => c.type === 'QueueFound');
    expect(found).toMatchObject({ status: 'False', reason: 'QueueNotFound' });
    expect(found?.message).toContain('later');
    expect((await cp().kubectl(['get', '-n', ns, 'deployment/orphan'])).code).not.toBe(0);
    await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: later, namespace: ${ns}}\nspec: {queueName: later-${ns}}\n`);
    await waitFor(async () => (await cp().kubectl(['get', '-n', ns, 'deployment/orphan'])).code === 0, { timeoutMs: 15_000, what: 'deployment created' });
  });

  it('splits a queue backlog between the autoscaled pools on it by their maxReplicas', async () => {
    const ns = await scoped();
    const queue = `shared-${ns}`;
    const poolYaml = (name: string, maxReplicas: number) =>
      `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {queue: shared, image: worker:1, autoscaling: {minReplicas: 0, maxReplicas: ${maxReplicas}, targetBacklogPerReplica: 1}}\n`;
    await kubectlOk(
      cp(),
      ['apply', '-f', '-'],
      `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: shared, namespace: ${ns}}\nspec: {queueName: ${queue}, storage: Memory}\n---\n${poolYaml('spot', 30)}---\n${poolYaml('on-demand', 10)}`,
    );
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/shared', '--timeout=30s']);
    const client = new Client(nats.nc, { queue });
    await client.enqueueMany(defineTask('shared.task', () => undefined), Array.from({ length: 20 }, (_, i) => ({ payload: { i } })));
    await client.close();
    const replicas = async (name: string) => (await getJson<V1Deployment>(cp(), ['-n', ns, `deployment/${name}`])).spec?.replicas;
    // 20 tasks at one per replica: 15 and 5 (30:10), not 20 and 10 as two pools each seeing it all.
    await waitFor(async () => (await replicas('spot')) === 15 && (await replicas('on-demand')) === 5, { timeoutMs: 20_000, what: 'shares 15 and 5' });
    await new Promise((r) => setTimeout(r, 3_000));
    expect([await replicas('spot'), await replicas('on-demand')]).toEqual([15, 5]);
  });

  it('elects one leader among two operators and fails over when it stops', async () => {
    const ns = await freshNamespace(cp());
    const a = await startTestOperator(cp(), nats.server.url, { namespace: ns, leaderElection: true, identity: 'op-a' });
    const b = await startTestOperator(cp(), nats.server.url, { namespace: ns, leaderElection: true, identity: 'op-b' });
    let stopped: RunningOperator | undefined;
    try {
      const first = await waitFor(() => (a.manager.leading !== b.manager.leading ? (a.manager.leading ? a : b) : undefined), { timeoutMs: 20_000, what: 'one leader' });
      const second = first === a ? b : a;
      expect(a.manager.leading && b.manager.leading).toBe(false);
      const lease = await getJson<{ spec: { holderIdentity: string } }>(cp(), ['-n', ns, 'lease/celeriac-operator']);
      expect(lease.spec.holderIdentity).toBe(first === a ? 'op-a' : 'op-b');
      const t0 = Date.now();
      await first.stop();
      stopped = first;
      await waitFor(() => second.manager.leading, { timeoutMs: 20_000, what: 'failover' });
      console.log(`leader failover after graceful stop: ${Date.now() - t0} ms`);
      // The new leader acts: a queue applied now becomes Ready.
      await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: led, namespace: ${ns}}\nspec: {queueName: led-${ns}}\n`);
      await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/led', '--timeout=30s']);
    } finally {
      await Promise.all([a, b].filter((o) => o !== stopped).map((o) => o.stop()));
    }
  }, 60_000);

  it('reports NATS being down in the status and recovers when it is back', async () => {
    const local = await startNats();
    const ns = await scoped(local.url);
    {
      await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: flaky, namespace: ${ns}}\nspec: {}\n`);
      await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/flaky', '--timeout=30s']);
      await local.stop({ keepStore: true });
      await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready=false', 'tq/flaky', '--timeout=30s']);
      const down = await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/flaky']);
      expect(down.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toMatch(/Nats|Sync/);
      const back = await startNats({ port: local.port, storeDir: local.storeDir });
      try {
        await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq/flaky', '--timeout=40s']);
      } finally {
        await back.stop();
      }
    }
  }, 90_000);
});
