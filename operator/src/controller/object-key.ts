import type { KubernetesObject } from '@kubernetes/client-node';

/** Identifies one object: the unit of work of a controller (controller-runtime's Request). */
export interface ObjectKey {
  /** Undefined for cluster-scoped objects. */
  readonly namespace: string | undefined;
  readonly name: string;
}

/** `namespace/name`, or `name` for a cluster-scoped object: the workqueue's key format. */
export function formatKey(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function keyOf(obj: KubernetesObject): ObjectKey {
  return { namespace: obj.metadata?.namespace || undefined, name: obj.metadata?.name ?? '' };
}
