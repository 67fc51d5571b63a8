import type { KubernetesObject } from '@kubernetes/client-node';

/** The annotation `kubectl apply` (client-side) keeps: a second copy of the whole spec. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what a controller never reads from an object before an informer caches it: the
 * managedFields (often larger than the spec: one entry per field manager, listing every field)
 * and kubectl's last-applied-configuration annotation. Like controller-runtime's
 * `cache.TransformStripManagedFields`. Returns a new object; `obj` is left as it was.
 */
export function trimMetadata<T extends KubernetesObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined)) return obj;
  const { managedFields: _managedFields, annotations, ...rest } = meta;
  let kept: Record<string, string> | undefined;
  if (annotations) {
    const { [LAST_APPLIED]: _lastApplied, ...others } = annotations;
    kept = Object.keys(others).length > 0 ? others : undefined;
  }
  return { ...obj, metadata: { ...rest, ...(kept ? { annotations: kept } : {}) } };
}
