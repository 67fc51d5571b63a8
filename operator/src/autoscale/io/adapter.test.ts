import { describe, expect, it } from 'vitest';
import { WORKER_POOL_DEFAULTS } from '@celeriac/crds';
import { workerPool } from '../../test-fixtures.ts';
import { deletionCosts } from './deletion-cost.ts';
import { policyOf } from '../model/pool-policy.ts';

describe('policyOf', () => {
  it('maps a defaulted pool to the pure policy, target defaulting to the pool concurrency', () => {
    const p = policyOf(workerPool('p', { concurrency: 16 }));
    expect(p).toMatchObject({
      minReplicas: WORKER_POOL_DEFAULTS.autoscaling.minReplicas,
      maxReplicas: WORKER_POOL_DEFAULTS.autoscaling.maxReplicas,
      pollIntervalMs: 1000,
      scaleUp: { stabilizationMs: 0 },
    });
    expect(p.targetBacklogPerReplica).toBeGreaterThan(0);
  });

  it('converts durations and step limits', () => {
    const p = policyOf(
      workerPool('p', {
        autoscaling: {
          minReplicas: 1,
          maxReplicas: 20,
          targetBacklogPerReplica: 50,
          targetDrainTime: '1m',
          scaleToZeroCooldown: '30s',
          pollInterval: '500ms',
          scaleUp: { stabilizationWindow: '0s', maxStepReplicas: 4 },
          scaleDown: { stabilizationWindow: '2m', maxStepPercent: 50 },
        },
      }),
    );
    expect(p).toMatchObject({
      minReplicas: 1,
      maxReplicas: 20,
      targetBacklogPerReplica: 50,
      targetDrainTimeMs: 60_000,
      scaleToZeroCooldownMs: 30_000,
      pollIntervalMs: 500,
      scaleUp: { stabilizationMs: 0, maxStepPods: 4 },
      scaleDown: { stabilizationMs: 120_000, maxStepPercent: 50 },
    });
  });
});

describe('deletionCosts', () => {
  it('makes idle and unready pods cheapest to delete and busy ones dearest', () => {
    const w = (name: string, inFlight: number, ready = true) => [name, { name, inFlight, ready, concurrency: 8, completed: 0 }] as const;
    const costs = deletionCosts(new Map([w('busy', 7), w('idle', 0), w('leaving', 3, false)]));
    expect(costs).toEqual(new Map([['busy', 7], ['idle', 0], ['leaving', -1]]));
  });
});
