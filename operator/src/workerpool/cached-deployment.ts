import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { trimMetadata } from '../controller/index.ts';

/**
 * What the operator keeps of a worker Deployment in its cache: identity, owner, replicas and the
 * rollout counts. The pod template (image, env, probes, resources: most of the object) is never
 * read from the cache, because the pool reconciler applies the whole desired Deployment each time.
 * With 1,000 pools this is most of the informers' memory.
 */
export function cachedDeployment(obj: KubernetesObject): KubernetesObject {
  const d = trimMetadata(obj) as V1Deployment;
  const s = d.status;
  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: d.metadata,
    spec: { replicas: d.spec?.replicas },
    ...(s
      ? {
          status: {
            ...(s.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
            ...(s.replicas !== undefined ? { replicas: s.replicas } : {}),
            ...(s.readyReplicas !== undefined ? { readyReplicas: s.readyReplicas } : {}),
            ...(s.availableReplicas !== undefined ? { availableReplicas: s.availableReplicas } : {}),
            ...(s.updatedReplicas !== undefined ? { updatedReplicas: s.updatedReplicas } : {}),
          },
        }
      : {}),
  } as KubernetesObject;
}
