import { KWOK_NODE_ANNOTATION } from './components.ts';

/**
 * Node objects for kwok to manage. No taint, so ordinary pods schedule on them without a
 * toleration; capacity is generous so the scheduler never runs out of room in a test.
 */
export function fakeNodes(count: number): object {
  const items = Array.from({ length: count }, (_, i) => {
    const name = `kwok-node-${i}`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          type: 'kwok',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
        },
      },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      },
    };
  });
  return { apiVersion: 'v1', kind: 'List', items };
}
