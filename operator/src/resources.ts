import type { KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, TASK_QUEUE, WORKER_POOL } from '@celeriac/crds';
import type { ResourceType } from './controller/index.ts';

/** The kinds the operator reads and writes. */
export const TASK_QUEUE_TYPE: ResourceType = { group: API_GROUP, version: API_VERSION, kind: TASK_QUEUE.kind, plural: TASK_QUEUE.plural, namespaced: true };
export const WORKER_POOL_TYPE: ResourceType = { group: API_GROUP, version: API_VERSION, kind: WORKER_POOL.kind, plural: WORKER_POOL.plural, namespaced: true };
export const DEPLOYMENT_TYPE: ResourceType = { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true };
export const POD_TYPE: ResourceType = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };

/** Our finalizer: JetStream objects live outside Kubernetes, so deletion waits for the policy to run. */
export const QUEUE_FINALIZER = 'celeriac.dev/jetstream';

/**
 * Our resource types carry metadata timestamps as the strings the API sends; client-node's types
 * claim Date. The objects are the same JSON, so crossing between the two is a type-level cast.
 */
export function asKube<T extends { metadata: object }>(obj: T): KubernetesObject {
  return obj as unknown as KubernetesObject;
}
export function fromKube<T>(obj: KubernetesObject | undefined): T | undefined {
  return obj as unknown as T | undefined;
}
