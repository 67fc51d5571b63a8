import type { V1Deployment } from '@kubernetes/client-node';
import type { WorkerPool, WorkerPoolStatus } from '@celeriac/crds';
import { setCondition, type Condition, type ConditionUpdate } from '../controller/index.ts';
import { selectorString } from './labels.ts';

export type PoolObservation =
  | { kind: 'queue-missing'; queue: string }
  | { kind: 'queue-not-ready'; queue: string; message: string }
  | { kind: 'deployed'; queue: string; deployment: V1Deployment | undefined };

/**
 * Pure: the fields of a pool's status the reconciler owns (the autoscaler owns backlog, rates and
 * lastScale, under its own field manager, so neither overwrites the other).
 */
export function desiredPoolStatus(pool: WorkerPool, obs: PoolObservation, now: Date): Partial<WorkerPoolStatus> {
  const generation = pool.metadata.generation;
  let conditions = (pool.status?.conditions ?? []) as Condition[];
  const set = (u: ConditionUpdate) => (conditions = setCondition(conditions, u, generation, now));
  const base = { observedGeneration: generation ?? 0, selector: selectorString(pool.metadata.name) };
  if (obs.kind === 'queue-missing') {
    const message = `TaskQueue ${obs.queue} does not exist in namespace ${pool.metadata.namespace}; create it or fix spec.queue`;
    set({ type: 'QueueFound', status: 'False', reason: 'QueueNotFound', message });
    set({ type: 'Ready', status: 'False', reason: 'QueueNotFound', message });
    return { ...base, conditions };
  }
  set({ type: 'QueueFound', status: 'True', reason: 'QueueFound', message: `serving TaskQueue ${obs.queue}` });
  if (obs.kind === 'queue-not-ready') {
    set({ type: 'Ready', status: 'False', reason: 'QueueNotReady', message: obs.message });
    return { ...base, conditions };
  }
  const d = obs.deployment;
  const desired = d?.spec?.replicas ?? 0;
  const ready = d?.status?.readyReplicas ?? 0;
  const replicas = d?.status?.replicas ?? 0;
  if (!d) set({ type: 'Ready', status: 'False', reason: 'DeploymentPending', message: 'creating the worker Deployment' });
  else if (desired === 0) set({ type: 'Ready', status: 'True', reason: 'ScaledToZero', message: 'no pods: the queue is idle' });
  else if (ready >= desired) set({ type: 'Ready', status: 'True', reason: 'WorkersReady', message: `${ready}/${desired} workers ready` });
  else set({ type: 'Ready', status: 'False', reason: 'WorkersStarting', message: `${ready}/${desired} workers ready` });
  return { ...base, conditions, replicas, readyReplicas: ready, desiredReplicas: desired };
}
