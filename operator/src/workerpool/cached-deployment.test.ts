import { describe, expect, it } from 'vitest';
import { cachedDeployment } from './cached-deployment.ts';

describe('cachedDeployment', () => {
  it('keeps identity, owner, replicas and rollout counts, and drops the pod template and conditions', () => {
    const full = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'p',
        namespace: 'ns',
        resourceVersion: '9',
        labels: { 'app.kubernetes.io/managed-by': 'celeriac-operator' },
        ownerReferences: [{ apiVersion: 'celeriac.dev/v1alpha1', kind: 'WorkerPool', name: 'p', uid: 'u', controller: true }],
        managedFields: [{ manager: 'celeriac-operator' }],
      },
      spec: { replicas: 3, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'worker', image: 'x', env: [{ name: 'A', value: 'b' }] }] } } },
      status: { observedGeneration: 2, replicas: 3, readyReplicas: 2, updatedReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] },
    };
    expect(cachedDeployment(full)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'p', namespace: 'ns', resourceVersion: '9', labels: full.metadata.labels, ownerReferences: full.metadata.ownerReferences },
      spec: { replicas: 3 },
      status: { observedGeneration: 2, replicas: 3, readyReplicas: 2, updatedReplicas: 3 },
    });
  });
});
