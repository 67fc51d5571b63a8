import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { defaults } from './defaults.ts';
import type { ObjectKey } from './object-key.ts';
import { apiVersionOf, type ResourceType } from './resource.ts';
import { statusChanged } from './status-change.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * Server-side apply: we send the complete desired object each time and the API server merges it,
 * owning exactly the fields we send under one field manager. No read-modify-write, no conflicts
 * on resourceVersion; `force` takes fields over from other managers (e.g. a `kubectl edit` of a
 * field we manage is reverted, as it should be for a controller).
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/
 *
 * Every write first takes a token from `writeLimit` (the operator shares one among all its
 * appliers and its Events), so this is the one place the write rate is bounded.
 */
export class Applier {
  readonly fieldManager: string;
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #writeLimit: TokenBucket | undefined;

  constructor(kc: KubeConfig, fieldManager: string = defaults.fieldManager, writeLimit?: TokenBucket) {
    this.fieldManager = fieldManager;
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#writeLimit = writeLimit;
  }

  /**
   * Applies `desired` (any kind the API server serves; it must carry apiVersion, kind, name and,
   * if namespaced, namespace). Returns the object as stored, as client-node deserialises it.
   */
  async apply<T extends KubernetesObject>(desired: T): Promise<T> {
    await this.#writeLimit?.take();
    // KubernetesObjectApi fills in a missing namespace on the object it is given: pass a copy.
    const body = { ...desired, metadata: { ...desired.metadata } };
    // patch() takes the content type as its patchStrategy argument.
    return this.#objects.patch(body, undefined, undefined, this.fieldManager, true, PatchStrategy.ServerSideApply);
  }

  /**
   * Applies the `/status` subresource of a custom resource: only `status` is written, and the
   * status fields are owned by our manager separately from the spec's.
   */
  async applyStatus(type: ResourceType, key: ObjectKey, status: object): Promise<KubernetesObject> {
    await this.#writeLimit?.take();
    return this.#applyStatus(type, key, status);
  }

  async #applyStatus(type: ResourceType, key: ObjectKey, status: object): Promise<KubernetesObject> {
    const body = {
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: { name: key.name, ...(key.namespace ? { namespace: key.namespace } : {}) },
      status,
    };
    const request = {
      group: type.group,
      version: type.version,
      plural: type.plural,
      name: key.name,
      body,
      fieldManager: this.fieldManager,
      force: true,
    };
    // The generated *CustomObjectStatus calls pick JSON patch as content type; a header
    // middleware replaces it (the body is JSON, which is valid YAML for apply-patch+yaml).
    const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    if (type.namespaced) {
      if (!key.namespace) throw new Error(`${type.kind} ${key.name} needs a namespace`);
      return (await this.#custom.patchNamespacedCustomObjectStatus({ ...request, namespace: key.namespace }, options)) as KubernetesObject;
    }
    return (await this.#custom.patchClusterCustomObjectStatus(request, options)) as KubernetesObject;
  }

  /**
   * Applies `status` unless `observed` (the status as the cache has it) already shows it; answers
   * whether it wrote. See `statusChanged` for what counts as a change. With `skipWhenLimited`, a
   * write that would have to wait for the rate limit is skipped instead (for numbers refreshed
   * every poll, where waiting would hold up the next decision).
   */
  async applyStatusIfChanged(
    type: ResourceType,
    key: ObjectKey,
    observed: unknown,
    status: object,
    opts: { skipWhenLimited?: boolean } = {},
  ): Promise<boolean> {
    if (!statusChanged(observed, status)) return false;
    if (opts.skipWhenLimited && this.#writeLimit && !this.#writeLimit.tryTake()) return false;
    await this.#applyStatus(type, key, status);
    return true;
  }
}
