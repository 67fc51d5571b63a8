import type { WorkerStatus } from 'celeriac/topology';
import type { Applier } from '../../controller/index.ts';

/** Kubernetes' hint to the ReplicaSet controller: pods with a lower cost are deleted first. */
export const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** Pure: cost per pod, its in-flight task count, so idle pods go first and the busiest last. */
export function deletionCosts(workers: ReadonlyMap<string, WorkerStatus>): Map<string, number> {
  const costs = new Map<string, number>();
  for (const [name, s] of workers) costs.set(name, s.ready ? s.inFlight : -1);
  return costs;
}

/**
 * Marks pods by how busy they are just before a scale-in, so the ReplicaSet removes idle workers
 * and busy ones keep working (the HPA picks pods blindly). Best effort: a pod that vanished meanwhile is skipped.
 */
export async function markDeletionCosts(applier: Applier, namespace: string, workers: ReadonlyMap<string, WorkerStatus>): Promise<void> {
  await Promise.all(
    [...deletionCosts(workers)].map(([name, cost]) =>
      applier
        .apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, annotations: { [DELETION_COST]: String(cost) } } })
        .catch(() => undefined),
    ),
  );
}
