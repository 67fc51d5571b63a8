import { describe, expect, it } from 'vitest';
import type { WorkerPool } from '@celeriac/crds';
import { podsOfQueue, podsTrend } from './model.ts';

const pool = (namespace: string, queue: string, replicas?: number) =>
  ({ metadata: { name: `${queue}-pool`, namespace }, spec: { queue }, ...(replicas !== undefined ? { status: { replicas } } : {}) }) as unknown as WorkerPool;

describe('podsOfQueue', () => {
  it('sums the pods of every pool on the queue in its namespace, and no other', () => {
    const pools = [pool('shop', 'billing', 3), pool('shop', 'billing', 2), pool('shop', 'emails', 7), pool('other', 'billing', 9), pool('shop', 'billing')];
    expect(podsOfQueue(pools, { namespace: 'shop', name: 'billing' })).toBe(5);
    expect(podsOfQueue(pools, { namespace: 'shop', name: 'none' })).toBe(0);
  });
});

describe('podsTrend', () => {
  it('keeps one sample in four, always the newest', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ replicas: i }));
    expect(podsTrend(points)).toEqual([1, 5, 9]);
    expect(podsTrend([])).toEqual([]);
    expect(podsTrend([{ replicas: 3 }])).toEqual([3]);
  });
});
