import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Tells an update that changed an object's spec (its generation) or marked it for deletion from
 * one that changed only its status or metadata: controller-runtime's GenerationChangedPredicate.
 * Every status write (the operator's own, each backlog change of a queue) is an update event; a
 * controller that reconciled on each would answer its own write with another pass and, for a
 * pool, another apply of its Deployment: about a third of the API writes of a mass apply
 * (bench/operator-scale.ts). Periodic resyncs and informer restarts still reconcile everything.
 */
export class SpecChanges {
  readonly #seen = new Map<string, string>();

  /** True if `obj` is new here or its generation or deletion mark moved since last seen. */
  changed(obj: KubernetesObject): boolean {
    const m = obj.metadata;
    // Without a generation (not a custom resource or Deployment) every update counts.
    if (m?.generation === undefined) return true;
    const key = `${m.namespace ?? ''}/${m.name ?? ''}`;
    const signature = `${m.uid ?? ''}|${m.generation}|${m.deletionTimestamp ? 'deleting' : ''}`;
    if (this.#seen.get(key) === signature) return false;
    this.#seen.set(key, signature);
    return true;
  }

  forget(obj: KubernetesObject): void {
    this.#seen.delete(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
  }
}
