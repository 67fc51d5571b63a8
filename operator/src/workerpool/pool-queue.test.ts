import { describe, expect, it } from 'vitest';
import type { TaskQueue, WorkerPool } from '@celeriac/crds';
import { poolUsesQueue } from './pool-queue.ts';

const queue = (name: string, queueName?: string) => ({ metadata: { name, namespace: 'ns' }, spec: queueName ? { queueName } : {} }) as TaskQueue;
const pool = (ref: string) => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { queue: ref } }) as WorkerPool;

describe('poolUsesQueue', () => {
  it('matches the TaskQueue object name or its queue name', () => {
    expect(poolUsesQueue(pool('emails'), queue('emails'))).toBe(true);
    expect(poolUsesQueue(pool('mail'), queue('emails', 'mail'))).toBe(true);
    expect(poolUsesQueue(pool('emails'), queue('emails', 'mail'))).toBe(true);
  });
  it('does not match another queue', () => {
    expect(poolUsesQueue(pool('reports'), queue('emails', 'mail'))).toBe(false);
  });
});
