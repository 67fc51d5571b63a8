import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import type { WorkerPool } from '@celeriac/crds';
import type { Logger } from 'pino';
import { RetryLater, type Applier, type ObjectKey, type Reconciler, type Result, type WatchedCache } from '../controller/index.ts';
import type { EventRecorder } from '../kube/events.ts';
import { WORKER_POOL_TYPE, asKube, fromKube } from '../resources.ts';
import { AppliedMemory, digestOf } from './applied-memory.ts';
import { desiredDeployment } from './desired-deployment.ts';
import { queueOfPool } from './pool-queue.ts';
import type { ReplicaSetter } from './replicas.ts';
import { desiredPoolStatus, type PoolObservation } from './status.ts';

export interface WorkerPoolReconcilerDeps {
  pools: WatchedCache;
  queues: WatchedCache;
  deployments: WatchedCache;
  applier: Applier;
  replicas: ReplicaSetter;
  events: EventRecorder;
  log: Logger;
  defaultNatsUrl: string;
}

/** How soon to look again at a pool whose queue is missing (the queue informer also wakes it). */
const QUEUE_WAIT_MS = 10_000;

/** The replicas a pool starts with, before the autoscaler's first decision. */
export function initialReplicas(pool: WorkerPool): number {
  const a = pool.spec.autoscaling;
  return a.enabled ? a.minReplicas : (pool.spec.replicas ?? 1);
}

/**
 * WorkerPool -> Deployment of worker pods. Deletion needs no finalizer: the Deployment's owner
 * reference makes Kubernetes' garbage collector remove it with the pool.
 */
export class WorkerPoolReconciler implements Reconciler {
  private readonly deps: WorkerPoolReconcilerDeps;
  private readonly applied = new AppliedMemory();

  constructor(deps: WorkerPoolReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: ObjectKey): Promise<Result> {
    // 1. Get.
    const pool = fromKube<WorkerPool>(this.deps.pools.get(key.namespace, key.name));
    const id = `${key.namespace}/${key.name}`;
    if (!pool) {
      this.applied.forget(id);
      return {};
    }
    // 2. Deletion: owned objects go by garbage collection.
    if (pool.metadata.deletionTimestamp) return {};
    const log = this.deps.log.child({ workerpool: `${key.namespace}/${key.name}` });

    // 3. Desired state.
    const tq = queueOfPool(this.deps.queues, pool);
    let obs: PoolObservation;
    let created = false;
    if (!tq) {
      obs = { kind: 'queue-missing', queue: pool.spec.queue };
    } else {
      const existing = fromKube<V1Deployment>(this.deps.deployments.get(key.namespace, key.name));
      const desired = desiredDeployment(pool, tq, { defaultNatsUrl: this.deps.defaultNatsUrl });
      const digest = digestOf(desired);
      // 4. Apply, unless this leader applied the same and nobody changed the Deployment since.
      let applied: KubernetesObject | undefined;
      if (!existing || !this.applied.upToDate(id, digest, existing.metadata?.generation)) {
        applied = await this.deps.applier.apply((existing ? desired : desiredDeployment(pool, tq, { defaultNatsUrl: this.deps.defaultNatsUrl, initialReplicas: initialReplicas(pool) })) as KubernetesObject);
        this.applied.record(id, digest, applied.metadata?.generation);
      }
      if (!existing) {
        created = true;
        log.info({ replicas: desired.spec?.replicas }, 'created worker deployment');
        void this.deps.events.record(asKube(pool), 'Normal', 'DeploymentCreated', `created Deployment ${key.name}`);
      }
      // A fixed-size pool is "scaled" here; an autoscaled one only gets its first count here.
      if (!pool.spec.autoscaling.enabled || !existing) await this.deps.replicas.set(key.namespace!, key.name, initialReplicas(pool));
      obs = { kind: 'deployed', queue: pool.spec.queue, deployment: (existing ?? applied) as V1Deployment };
    }

    // 5. Status, once.
    const status = desiredPoolStatus(pool, obs, new Date());
    const was = pool.status?.conditions?.find((c) => c.type === 'Ready');
    const now = status.conditions?.find((c) => c.type === 'Ready');
    await this.deps.applier.applyStatusIfChanged(WORKER_POOL_TYPE, key, pool.status, status);
    // A pool whose Deployment was just created (that Event told) is Ready by its status alone: no second write.
    const toldCreated = created && was === undefined;
    if (now && (now.status !== was?.status || now.reason !== was?.reason) && (!toldCreated || now.status !== 'True')) {
      void this.deps.events.record(asKube(pool), now.status === 'True' ? 'Normal' : 'Warning', now.reason, now.message);
    }
    if (obs.kind === 'queue-missing') throw new RetryLater(QUEUE_WAIT_MS, `queue ${pool.spec.queue} not found`);
    return {};
  }
}
