/**
 * A kind of object as the API server serves it. The plural and scope are stated, not
 * discovered, so that building a path needs no request.
 */
export interface ResourceType {
  /** API group; '' for the core group (ConfigMap, Secret, ...). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Resource name in URLs, e.g. 'configmaps', 'taskqueues'. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `v1` for the core group, `group/version` otherwise (an object's `apiVersion`). */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Path of the collection, in one namespace or across all (for list and watch). */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${type.plural}`;
}

/** Path of one object, optionally of one of its subresources (e.g. 'status'). */
export function objectPath(type: ResourceType, namespace: string | undefined, name: string, subresource?: string): string {
  if (type.namespaced && !namespace) throw new Error(`${type.kind} ${name} needs a namespace`);
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}${sub}`;
}
