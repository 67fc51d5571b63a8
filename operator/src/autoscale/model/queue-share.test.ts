import { describe, expect, it } from 'vitest';
import type { WorkerPool } from '@celeriac/crds';
import { queueShare } from './queue-share.ts';

const pool = (name: string, ref: string, maxReplicas: number, more: { enabled?: boolean; deleting?: boolean } = {}) =>
  ({
    metadata: { name, namespace: 'ns', ...(more.deleting ? { deletionTimestamp: '2026-11-26T00:00:00Z' } : {}) },
    spec: { queue: ref, autoscaling: { enabled: more.enabled ?? true, minReplicas: 0, maxReplicas } },
  }) as unknown as WorkerPool;

describe('queueShare', () => {
  it('gives a pool alone on its queue the whole load', () => {
    const a = pool('a', 'emails', 10);
    expect(queueShare(a, [a])).toBe(1);
  });

  it('splits the load between autoscaled pools by their maxReplicas', () => {
    const spot = pool('spot', 'emails', 30);
    const onDemand = pool('on-demand', 'emails', 10);
    const pools = [spot, onDemand];
    expect(queueShare(spot, pools)).toBeCloseTo(0.75);
    expect(queueShare(onDemand, pools)).toBeCloseTo(0.25);
  });

  it('leaves fixed-size and deleted pools out of the split', () => {
    const a = pool('a', 'emails', 10);
    const pools = [a, pool('fixed', 'emails', 10, { enabled: false }), pool('gone', 'emails', 10, { deleting: true })];
    expect(queueShare(a, pools)).toBe(1);
  });
});
