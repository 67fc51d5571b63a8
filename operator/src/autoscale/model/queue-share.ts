import type { WorkerPool } from '@celeriac/crds';

/**
 * The part of a queue's load one autoscaled pool sizes itself for, given the pools on its queue
 * (`poolsOfQueue`). Several autoscaled pools may work one queue (a spot pool and an on-demand
 * pool, say); each would otherwise scale to the whole backlog and together overshoot by their
 * number. Shares follow `maxReplicas`, the capacity each pool declares: stable (no feedback from
 * the current counts, which would chase each other) and in the user's hands. Pools with a fixed
 * size are not in the split: their workers drain the same backlog, which the autoscaled pools
 * then see shrink.
 */
export function queueShare(pool: WorkerPool, poolsOnQueue: readonly WorkerPool[]): number {
  const sharing = poolsOnQueue.filter((p) => p.spec.autoscaling.enabled && !p.metadata.deletionTimestamp);
  if (!sharing.some((p) => p.metadata.name === pool.metadata.name)) return 1;
  const total = sharing.reduce((sum, p) => sum + p.spec.autoscaling.maxReplicas, 0);
  return total > 0 ? pool.spec.autoscaling.maxReplicas / total : 1 / sharing.length;
}
