import { createHash } from 'node:crypto';

/** A short digest of what the reconciler would apply: equal digests, equal objects. */
export function digestOf(obj: unknown): string {
  return createHash('sha1').update(JSON.stringify(obj)).digest('base64');
}

/**
 * What the pool reconciler last applied to each worker Deployment (a digest) and the generation
 * the API server answered with. A reconcile whose desired Deployment has the same digest, while
 * the Deployment is still at that generation, has nothing to apply: an unchanged server-side
 * apply writes nothing to etcd but still costs the API server a request, and pools reconcile on
 * every change of their Deployment (its status, the autoscaler's replicas). Any other writer's
 * change to the spec moves the generation, so drift is still put right on the next reconcile.
 * Kept in memory only: a new leader applies each Deployment once.
 */
export class AppliedMemory {
  readonly #byKey = new Map<string, { digest: string; generation: number | undefined }>();

  upToDate(key: string, digest: string, generation: number | undefined): boolean {
    const last = this.#byKey.get(key);
    return last !== undefined && generation !== undefined && last.digest === digest && last.generation === generation;
  }

  record(key: string, digest: string, generation: number | undefined): void {
    this.#byKey.set(key, { digest, generation });
  }

  forget(key: string): void {
    this.#byKey.delete(key);
  }
}
