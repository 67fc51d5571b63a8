import { describe, expect, it } from 'vitest';
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from './resource.ts';

const configMaps: ResourceType = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const queues: ResourceType = { group: 'celeriac.dev', version: 'v1alpha1', kind: 'TaskQueue', plural: 'taskqueues', namespaced: true };
const crds: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

describe('resource paths', () => {
  it('builds core, group and cluster-scoped paths', () => {
    expect(apiVersionOf(configMaps)).toBe('v1');
    expect(apiVersionOf(queues)).toBe('celeriac.dev/v1alpha1');
    expect(collectionPath(configMaps)).toBe('/api/v1/configmaps');
    expect(collectionPath(configMaps, 'ns')).toBe('/api/v1/namespaces/ns/configmaps');
    expect(collectionPath(crds, 'ignored')).toBe('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    expect(objectPath(queues, 'ns', 'emails', 'status')).toBe(
      '/apis/celeriac.dev/v1alpha1/namespaces/ns/taskqueues/emails/status',
    );
  });

  it('refuses a namespaced object without a namespace', () => {
    expect(() => objectPath(queues, undefined, 'emails')).toThrow(/needs a namespace/);
  });
});
