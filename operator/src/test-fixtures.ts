import { GROUP_VERSION, withTaskQueueDefaults, withWorkerPoolDefaults, type TaskQueue, type TaskQueueSpecInput, type WorkerPool, type WorkerPoolSpecInput } from '@celeriac/crds';

/** Stored-shape objects (defaults filled as the API server would) for unit tests of pure functions. */
export function taskQueue(name: string, spec: TaskQueueSpecInput = {}, namespace = 'default'): TaskQueue {
  return { apiVersion: GROUP_VERSION, kind: 'TaskQueue', metadata: { name, namespace, generation: 1, uid: `uid-${name}` }, spec: withTaskQueueDefaults(spec) };
}

export function workerPool(name: string, spec: Partial<WorkerPoolSpecInput> = {}, namespace = 'default'): WorkerPool {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'WorkerPool',
    metadata: { name, namespace, generation: 1, uid: `uid-${name}` },
    spec: withWorkerPoolDefaults({ queue: 'emails', image: 'ghcr.io/acme/worker:1', ...spec } as WorkerPoolSpecInput),
  };
}
