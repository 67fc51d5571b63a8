import type { KubernetesObject } from '@kubernetes/client-node';
import { queueNameOf, type TaskQueue, type WorkerPool } from '@celeriac/crds';
import type { WatchedCache } from '../controller/index.ts';
import { fromKube } from '../resources.ts';

/**
 * Whether a pool's `spec.queue` refers to this TaskQueue. It may name the TaskQueue object or the
 * queue itself (`spec.queueName`, when the two differ): users think in queue names, kubectl in
 * object names, and either must work.
 */
export function poolUsesQueue(pool: WorkerPool, queue: TaskQueue): boolean {
  return pool.spec.queue === queue.metadata.name || pool.spec.queue === queueNameOf(queue);
}

/** The WorkerPools that work on a TaskQueue, from the informer cache (pools live in their queue's namespace). */
export function poolsOfQueue(pools: WatchedCache, queue: TaskQueue): WorkerPool[] {
  return pools
    .list(queue.metadata.namespace)
    .map((o: KubernetesObject) => fromKube<WorkerPool>(o)!)
    .filter((p) => poolUsesQueue(p, queue));
}

/** The TaskQueue a pool works on, from the informer cache: by object name first, then by queue name. */
export function queueOfPool(queues: WatchedCache, pool: WorkerPool): TaskQueue | undefined {
  const byName = fromKube<TaskQueue>(queues.get(pool.metadata.namespace, pool.spec.queue));
  if (byName) return byName;
  return queues
    .list(pool.metadata.namespace)
    .map((o: KubernetesObject) => fromKube<TaskQueue>(o)!)
    .find((q) => poolUsesQueue(pool, q));
}
