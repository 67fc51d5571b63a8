// The operator runs as two (then three) processes with leader election, and the leader is
// SIGKILLed in the middle of its work. Proves: the next leader converges (every queue Ready at its
// generation, every Deployment present), nothing is created twice or left behind (JetStream holds
// exactly the streams of existing queues, also when the kill lands mid-deletion), and a pool being
// scaled is neither overshot, flapped nor scaled twice for one decision.
import { AppsV1Api, CoreV1Api, Watch, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { TaskQueue } from '../../crds/src/index.ts';
import { Applier } from '../../operator/src/controller/index.ts';
import { EventRecorder } from '../../operator/src/kube/events.ts';
import { NatsConnections } from '../../operator/src/nats/connections.ts';
import { QueueConnector } from '../../operator/src/nats/queue-connection.ts';
import { TaskQueueReconciler } from '../../operator/src/taskqueue/reconciler.ts';
import { Client, PublishRejectedError } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { cancelBucketName, rateCounterStreamName, rateLimitBucketName, slotBucketName } from 'celeriac/topology';
import { work } from '../support/chaos-tasks.ts';
import { report, sleep } from '../support/chaos.ts';
import { useNats } from '../support/use-nats.ts';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.ts';
import { freshNamespace, getJson, kubectlOk } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';

const QUEUES = 8;

describe('the operator killed mid-reconcile and during scaling', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators: OperatorProcess[] = [];

  beforeAll(async () => {
    await kubectlOk(cp(), ['apply', '--server-side', '-f', 'crds/taskqueue.yaml', '-f', 'crds/workerpool.yaml']);
    await kubectlOk(cp(), ['wait', '--for=condition=Established', 'crd/taskqueues.celeriac.dev', 'crd/workerpools.celeriac.dev', '--timeout=60s']);
  });
  afterEach(async () => {
    await Promise.all(operators.splice(0).map((o) => o.kill('SIGKILL')));
  });

  async function operator(ns: string): Promise<OperatorProcess> {
    const op = await startOperatorProcess(cp(), nats.server.url, { namespace: ns });
    operators.push(op);
    return op;
  }

  /** The live operator process holding the lease. */
  async function leader(ns: string): Promise<OperatorProcess> {
    return waitFor(
      async () => {
        const r = await cp().kubectl(['get', '-n', ns, 'lease/celeriac-operator', '-o', 'jsonpath={.spec.holderIdentity}']);
        const holder = r.code === 0 ? r.stdout.trim() : '';
        return operators.find((o) => o.child.exitCode === null && o.child.signalCode === null && holder !== '' && o.identity() === holder && o.startedLeadingAt());
      },
      { timeoutMs: 30_000, what: 'a live leader' },
    );
  }

  /** Kills the leader once `when` shows in its log, starts a replacement replica, waits for the next leader. */
  async function killLeaderWhen(ns: string, when: (line: { msg?: string }) => boolean, what: string) {
    const old = await leader(ns);
    await waitFor(() => old.logs().some(when), { timeoutMs: 30_000, what });
    const killedAt = Date.now();
    await old.kill('SIGKILL');
    await operator(ns);
    const next = await leader(ns);
    return { killedAt, failoverMs: next.startedLeadingAt()! - killedAt };
  }

  /** A queue and an autoscaled pool of the same name (no pods in the `api` profile), queue Ready. */
  async function autoscaledPool(ns: string, name: string, autoscaling: string): Promise<string> {
    const queue = `${name}-${ns}`;
    await kubectlOk(
      cp(),
      ['apply', '-f', '-'],
      `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {queueName: ${queue}}\n---\n` +
        `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  queue: ${name}\n  image: 'worker:1'\n  concurrency: 10\n` +
        `  autoscaling: ${autoscaling}\n`,
    );
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', `tq/${name}`, '--timeout=30s']);
    return queue;
  }

  /**
   * Enqueues n tasks, retrying a refused publish: on this loaded 2-core machine a publish right
   * after the queue turned Ready was once answered "no responders" (503). The retry keeps the same
   * task ids, so JetStream's dedupe makes it safe; a queue that never appears still fails the test.
   */
  async function enqueueWork(client: Client, n: number): Promise<void> {
    const ids = Array.from({ length: n }, () => crypto.randomUUID());
    await waitFor(
      async () => {
        try {
          await Promise.all(ids.map((id, i) => client.enqueue(work, { n: i, sleepMs: 0 }, { id })));
          return true;
        } catch (e) {
          if (e instanceof PublishRejectedError && e.code === 503) return false;
          throw e;
        }
      },
      { timeoutMs: 15_000, what: `${n} tasks enqueued` },
    );
  }

  /** Every stream ensureQueue makes for a queue (KV buckets are streams too). */
  function streamsOfQueue(q: string): string[] {
    const n = queueNames(q);
    return [n.stream, n.deadLetterStream, `KV_${n.resultBucket}`, `KV_${cancelBucketName(q)}`, `KV_${n.workflowBucket}`, rateCounterStreamName(q), `KV_${rateLimitBucketName(q)}`, `KV_${slotBucketName(q)}`];
  }

  async function streamsOf(ns: string): Promise<string[]> {
    const token = ns.toUpperCase().replaceAll('-', '_');
    const names: string[] = [];
    for await (const name of (await jetstreamManager(nats.nc)).streams.names()) if (name.includes(token)) names.push(name);
    return names.sort();
  }

  it('converges after the leader dies mid-reconcile and mid-deletion, leaving no stream or Deployment behind or doubled', async () => {
    const ns = await freshNamespace(cp(), 'chaos');
    await operator(ns);
    await operator(ns);
    await leader(ns);
    const queue = (i: number) => `q${i}-${ns}`;
    const objects = Array.from({ length: QUEUES }, (_, i) =>
      [
        `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: q${i}, namespace: ${ns}}\nspec: {queueName: ${queue(i)}, deletionPolicy: Delete}`,
        `apiVersion: celeriac.dev/v1alpha1\nkind: WorkerPool\nmetadata: {name: p${i}, namespace: ${ns}}\nspec: {queue: q${i}, image: 'worker:1', replicas: 2, autoscaling: {enabled: false}}`,
      ].join('\n---\n'),
    ).join('\n---\n');
    await kubectlOk(cp(), ['apply', '-f', '-'], objects);
    // Killed as soon as the first queue is synced: the rest are half done or not started.
    const create = await killLeaderWhen(ns, (l) => l.msg === 'synced queue', 'the leader syncing its first queue');

    const expectedStreams = (ids: number[]) => ids.flatMap((i) => streamsOfQueue(queue(i))).sort();
    const all = Array.from({ length: QUEUES }, (_, i) => i);
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq', '--all', '--timeout=60s']);
    for (const i of all) {
      const tq = await getJson<TaskQueue>(cp(), ['-n', ns, `tq/q${i}`]);
      expect(tq.status?.observedGeneration).toBe(tq.metadata.generation);
    }
    expect(await streamsOf(ns)).toEqual(expectedStreams(all));
    const deployments = async () =>
      (await cp().kubeConfig().makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=celeriac-operator' })).items;
    await waitFor(async () => (await deployments()).length === QUEUES, { timeoutMs: 30_000, what: `${QUEUES} deployments` });
    const pools = await getJson<{ items: Array<{ metadata: { name: string; uid: string } }> }>(cp(), ['-n', ns, 'wp']);
    const poolUid = new Map(pools.items.map((p) => [p.metadata.name, p.metadata.uid]));
    for (const d of await deployments()) {
      expect(d.spec?.replicas).toBe(2);
      // Owned by its pool, so the garbage collector removes it with the pool.
      const owner = d.metadata?.ownerReferences?.find((o) => o.controller);
      expect(owner).toMatchObject({ kind: 'WorkerPool', name: d.metadata?.name, uid: poolUid.get(d.metadata!.name!) });
    }

    // Delete half of the queues and pools, and kill the leader as it starts deleting streams.
    const gone = all.filter((i) => i % 2 === 0);
    const kept = all.filter((i) => i % 2 === 1);
    await kubectlOk(cp(), ['delete', '-n', ns, '--wait=false', ...gone.flatMap((i) => [`tq/q${i}`, `wp/p${i}`])]);
    const deletion = await killLeaderWhen(ns, (l) => l.msg === 'deleted queue from jetstream', 'the leader deleting its first queue');
    await waitFor(async () => (await cp().kubectl(['get', '-n', ns, 'tq', '-o', 'name'])).stdout.trim().split('\n').length === kept.length, {
      timeoutMs: 60_000,
      what: 'deleted queues released by their finalizer',
    });
    await waitFor(async () => JSON.stringify(await streamsOf(ns)) === JSON.stringify(expectedStreams(kept)), { timeoutMs: 30_000, what: 'streams of deleted queues gone' });
    await kubectlOk(cp(), ['wait', '-n', ns, '--for=condition=Ready', 'tq', '--all', '--timeout=60s']);
    // Every Deployment still names a live pool or one being deleted (the `api` profile runs no
    // garbage collector): none was made without an owner.
    for (const d of await deployments()) expect(d.metadata?.ownerReferences?.filter((o) => o.controller && o.kind === 'WorkerPool')).toHaveLength(1);

    // One 'Created' event per JetStream object at most: no two leaders created the same thing.
    const events = (await cp().kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items;
    const created = new Map<string, number>();
    for (const e of events) {
      if (e.reason !== 'Created') continue;
      // One Event per sync names everything it created: "created stream/A, consumer/B".
      for (const item of (e.message ?? '').replace(/^created /, '').split(', ')) {
        const what = `${e.involvedObject.name} ${item}`;
        created.set(what, (created.get(what) ?? 0) + 1);
      }
    }
    expect([...created].filter(([, n]) => n > 1)).toEqual([]);
    report('operator-failover mid-reconcile', { queues: QUEUES, failoverMsAfterCreateKill: create.failoverMs, failoverMsAfterDeleteKill: deletion.failoverMs });
  }, 180_000);

  it('scales a pool through two leader kills without overshooting, flapping or scaling twice', async () => {
    const ns = await freshNamespace(cp(), 'chaos');
    await operator(ns);
    await operator(ns);
    await leader(ns);
    const queue = await autoscaledPool(
      ns,
      'scale',
      '{minReplicas: 1, maxReplicas: 8, targetBacklogPerReplica: 10, pollInterval: 2s, scaleUp: {stabilizationWindow: 0s}, scaleDown: {stabilizationWindow: 1s, maxStepReplicas: 1}}',
    );

    // Every spec.replicas value and generation the Deployment goes through. A watch, not a poll:
    // the API server sends every write in order, so none can slip between two samples on a busy machine.
    const seen: Array<{ at: number; replicas: number; generation: number }> = [];
    const record = (d: V1Deployment) => {
      const replicas = d.spec?.replicas;
      const generation = d.metadata?.generation;
      if (replicas !== undefined && generation !== undefined && (seen.at(-1)?.replicas !== replicas || seen.at(-1)?.generation !== generation)) {
        seen.push({ at: Date.now(), replicas, generation });
      }
    };
    await waitFor(() => cp().kubectl(['get', '-n', ns, 'deployment/scale']).then((r) => r.code === 0), { timeoutMs: 30_000, what: 'deployment' });
    const watch = await new Watch(cp().kubeConfig()).watch(
      `/apis/apps/v1/namespaces/${ns}/deployments`,
      { fieldSelector: 'metadata.name=scale' },
      (_type: string, obj: V1Deployment) => record(obj),
      () => undefined,
    );
    const replicasAre = (n: number) => waitFor(() => seen.at(-1)?.replicas === n, { timeoutMs: 40_000, what: `${n} replicas` });

    const client = new Client(nats.nc, { queue });
    await replicasAre(1);
    await enqueueWork(client, 35);
    await replicasAre(4);
    // More work arrives and the leader dies with it: the next leader must still reach 6, once.
    await enqueueWork(client, 25);
    const upKill = await killLeaderWhen(ns, () => true, 'a leader');
    await replicasAre(6);
    const topAt = seen.length - 1;

    // The work is done (purged): the pool steps down one replica per poll; the leader dies halfway.
    await (await jetstreamManager(nats.nc)).streams.purge(queueNames(queue).stream);
    await waitFor(() => (seen.at(-1)?.replicas ?? 6) <= 4, { timeoutMs: 30_000, what: 'scale-down under way' });
    const downKill = await killLeaderWhen(ns, () => true, 'a leader');
    await replicasAre(1);
    await sleep(3_000); // and it stays there
    watch.abort();

    const values = seen.map((s) => s.replicas);
    const up = values.slice(0, topAt + 1);
    const down = values.slice(topAt);
    expect(Math.max(...values)).toBe(6);
    expect(Math.min(...values)).toBe(1);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    expect(down).toEqual([...down].sort((a, b) => b - a));
    expect(values.at(-1)).toBe(1);
    // Step-limited scale-down goes one replica per decision, one decision per poll (2 s), never
    // several steps in a burst (the autoscaler once re-decided on its own Deployment write and
    // stepped every ~150 ms). Timed from each leader's own log: no polling jitter.
    const stepGaps = operators.flatMap((o) => {
      const at = o.logs().filter((l) => l.msg === 'scaled pool').map((l) => l.time!);
      return at.slice(1).map((t, i) => t - at[i]!);
    });
    expect(Math.min(...stepGaps)).toBeGreaterThan(1_000);
    // Every spec write (generation) changed the replica count: nothing else rewrote the Deployment.
    const changes = values.length - 1;
    expect(seen.at(-1)!.generation - seen[0]!.generation).toBe(changes);
    // At most one Scaled event per transition: no two leaders made the same decision.
    const events = (await cp().kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === 'Scaled');
    const transitions = new Set(values.slice(1).map((v, i) => `${values[i]} -> ${v}`));
    const byTransition = new Map<string, number>();
    for (const e of events) {
      const t = /^(\d+ -> \d+)/.exec(e.message ?? '')?.[1] ?? e.message ?? '';
      byTransition.set(t, (byTransition.get(t) ?? 0) + 1);
    }
    for (const [t, n] of byTransition) {
      expect(transitions.has(t), `event ${t} matches a change of the Deployment`).toBe(true);
      expect(n, `events for ${t}`).toBe(1);
    }
    report('operator-failover scaling', {
      trajectory: values,
      stepGapsMs: stepGaps,
      scaledEvents: events.length,
      failoverMsDuringScaleUp: upKill.failoverMs,
      failoverMsDuringScaleDown: downKill.failoverMs,
    });
    await client.close();
  }, 180_000);

  // A leader that is paused (SIGSTOP: a long GC, a frozen VM, a node under memory pressure) for
  // longer than its lease comes back after the standby took over. On resume its overdue requeue
  // timer fires before its renew deadline does, so a reconcile starts as leader and ends after
  // the leadership is gone: it must not write what it decided from its stale view.
  it('does not scale from a leader that was paused past its lease and resumes', async () => {
    const ns = await freshNamespace(cp(), 'chaos');
    await operator(ns);
    await operator(ns);
    const queue = await autoscaledPool(ns, 'paused', '{minReplicas: 1, maxReplicas: 8, targetBacklogPerReplica: 10, pollInterval: 1s, scaleDown: {stabilizationWindow: 0s, maxStepReplicas: 1}}');
    const apps = cp().kubeConfig().makeApiClient(AppsV1Api);
    const replicas = async () => (await apps.readNamespacedDeployment({ name: 'paused', namespace: ns }).catch(() => undefined))?.spec?.replicas;
    const client = new Client(nats.nc, { queue });
    await enqueueWork(client, 80);
    await waitFor(async () => (await replicas()) === 8, { timeoutMs: 30_000, what: '8 replicas' });

    const paused = await leader(ns);
    paused.child.kill('SIGSTOP');
    const standby = operators.find((o) => o !== paused)!;
    await waitFor(() => standby.startedLeadingAt(), { timeoutMs: 30_000, what: 'the standby leading' });
    // The work is done: the new leader steps the pool down, 8 -> 7 -> 6 -> 5.
    await (await jetstreamManager(nats.nc)).streams.purge(queueNames(queue).stream);
    await waitFor(async () => ((await replicas()) ?? 8) <= 5, { timeoutMs: 30_000, what: 'scale-down by the new leader' });
    const resumedAt = Date.now();
    paused.child.kill('SIGCONT');
    const trajectory: number[] = [];
    while (Date.now() - resumedAt < 5_000) {
      const r = await replicas();
      if (r !== undefined && trajectory.at(-1) !== r) trajectory.push(r);
      await sleep(50);
    }
    const actedAfterResume = paused.logs().filter((l) => (l.time ?? 0) >= resumedAt && l.msg === 'scaled pool');
    expect(paused.logs().some((l) => (l.time ?? 0) >= resumedAt && l.msg === 'stopped leading')).toBe(true);
    expect(actedAfterResume).toEqual([]);
    // Only the new leader's steps down: no bounce back up to the paused leader's 8 - 1.
    expect(trajectory).toEqual([...trajectory].sort((a, b) => b - a));
    report('operator-failover paused leader', { trajectoryAfterResume: trajectory });
    await client.close();
  }, 120_000);

  // Found by the test above (one run in four): right after removing its finalizer, a reconcile
  // still seeing the deleted queue in its cache applied the finalizer list again, and an apply
  // creates a missing object: the queue came back with a defaulted spec and orphan streams.
  it('never brings a deleted queue back when reconciling from a stale cache', async () => {
    const ns = await freshNamespace(cp(), 'chaos');
    await kubectlOk(cp(), ['apply', '-f', '-'], `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: stale, namespace: ${ns}}\nspec: {queueName: stale-${ns}, deletionPolicy: Delete}\n`);
    const read = () => getJson<KubernetesObject>(cp(), ['-n', ns, 'tq/stale']);
    let snapshot = await read();
    const log = pino({ level: 'silent' });
    const connections = new NatsConnections(log);
    const cache = { get: () => snapshot, list: () => [snapshot], addHandler: () => () => undefined, waitForSync: async () => undefined };
    const reconciler = new TaskQueueReconciler({
      cache,
      applier: new Applier(cp().kubeConfig()),
      connector: new QueueConnector(cp().kubeConfig(), connections, { servers: nats.server.url }, cache),
      events: new EventRecorder(cp().kubeConfig(), 'chaos-test', log),
      log,
      refreshMs: 60_000,
    });
    const key = { namespace: ns, name: 'stale' };
    const leading = new AbortController().signal;
    try {
      await reconciler.reconcile(key, leading); // adds the finalizer, creates the streams
      snapshot = await read();
      expect((snapshot.metadata?.finalizers ?? []).length).toBe(1);
      expect(await streamsOf(ns)).toEqual(streamsOfQueue(`stale-${ns}`).sort());
      await kubectlOk(cp(), ['delete', '-n', ns, 'tq/stale', '--wait=false']);
      snapshot = await read(); // deleting: deletionTimestamp set, held by our finalizer
      await reconciler.reconcile(key, leading); // deletes the streams, removes the finalizer: the queue is gone
      expect((await cp().kubectl(['get', '-n', ns, 'tq/stale'])).code).not.toBe(0);
      // The cache has not caught up: the same snapshot is reconciled again.
      await reconciler.reconcile(key, leading).catch(() => undefined);
      expect((await cp().kubectl(['get', '-n', ns, 'tq', '-o', 'name'])).stdout.trim()).toBe('');
      expect(await streamsOf(ns)).toEqual([]);
    } finally {
      await connections.closeAll();
    }
  }, 60_000);
});
