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

/**
 * Server-side apply: we send the complete desired object each time and the API server merges it,
 * owning exactly the fields we send under one field manager. No read-modify-write, no conflicts
 * on resourceVersion; `force` takes fields over from other managers (e.g. a `kubectl edit` of a
 * field we manage is reverted, as it should be for a controller).
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/
 */
export class Applier {
  readonly fieldManager: string;
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;

  constructor(kc: KubeConfig, fieldManager: string = defaults.fieldManager) {
    this.fieldManager = fieldManager;
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
  }

  /**
   * Applies `desired` (any kind the API server serves; it must carry apiVersion, kind, name and,
   * if namespaced, namespace). Returns the object as stored, as client-node deserialises it.
   */
  apply<T extends KubernetesObject>(desired: T): Promise<T> {
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
}
