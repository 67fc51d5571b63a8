import { describe, expect, it } from 'vitest';
import { trimMetadata } from './trim.ts';

describe('trimMetadata', () => {
  it('drops managedFields and the last-applied annotation, keeping every other field', () => {
    const obj = {
      apiVersion: 'celeriac.dev/v1alpha1',
      kind: 'TaskQueue',
      metadata: {
        name: 'q',
        namespace: 'ns',
        resourceVersion: '7',
        finalizers: ['celeriac.dev/jetstream'],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}', team: 'a' },
        managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
      },
      spec: { storage: 'Memory' },
    };
    const trimmed = trimMetadata(obj);
    expect(trimmed).toEqual({
      apiVersion: 'celeriac.dev/v1alpha1',
      kind: 'TaskQueue',
      metadata: { name: 'q', namespace: 'ns', resourceVersion: '7', finalizers: ['celeriac.dev/jetstream'], annotations: { team: 'a' } },
      spec: { storage: 'Memory' },
    });
    expect(obj.metadata.managedFields).toHaveLength(1);
  });

  it('removes an annotations map left empty and returns an object with nothing to drop as it is', () => {
    const onlyLastApplied = { metadata: { name: 'q', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } };
    expect(trimMetadata(onlyLastApplied)).toEqual({ metadata: { name: 'q' } });
    const clean = { metadata: { name: 'q', annotations: { team: 'a' } } };
    expect(trimMetadata(clean)).toBe(clean);
  });
});
