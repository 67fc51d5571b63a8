import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALING_POLICY, InvalidScalingPolicy, resolvePolicy, type ScalingPolicyInput } from './policy.ts';

describe('resolvePolicy', () => {
  it('gives the documented defaults for an empty policy', () => {
    expect(resolvePolicy()).toEqual(DEFAULT_SCALING_POLICY);
    expect(resolvePolicy({})).toEqual({
      minReplicas: 0,
      maxReplicas: 10,
      targetBacklogPerReplica: 10,
      activationBacklog: 0,
      scaleUp: { stabilizationMs: 0 },
      scaleDown: { stabilizationMs: 90_000 },
      scaleToZeroCooldownMs: 120_000,
      pollIntervalMs: 1_000,
    });
  });

  it('keeps what the user wrote and fills the rest, inside nested directions too', () => {
    const policy = resolvePolicy({
      minReplicas: 0,
      maxReplicas: 50,
      scaleDown: { maxStepPercent: 50 },
      targetDrainTimeMs: 60_000,
    });
    expect(policy).toMatchObject({
      minReplicas: 0,
      maxReplicas: 50,
      targetBacklogPerReplica: 10,
      scaleDown: { stabilizationMs: 90_000, maxStepPercent: 50 },
      targetDrainTimeMs: 60_000,
    });
    expect(policy.scaleDown).not.toHaveProperty('maxStepPods');
  });

  it('treats null (absent in JSON) as "use the default"', () => {
    expect(resolvePolicy({ maxReplicas: null, scaleUp: null, targetDrainTimeMs: null })).toEqual(DEFAULT_SCALING_POLICY);
  });

  it('raises the default maxReplicas to a minReplicas above it rather than rejecting a field never written', () => {
    expect(resolvePolicy({ minReplicas: 25 })).toMatchObject({ minReplicas: 25, maxReplicas: 25 });
  });

  const rejected: [string, ScalingPolicyInput, string][] = [
    ['min above max', { minReplicas: 5, maxReplicas: 3 }, 'minReplicas'],
    ['negative min', { minReplicas: -1 }, 'minReplicas'],
    ['fractional max', { maxReplicas: 2.5 }, 'maxReplicas'],
    ['max of zero', { maxReplicas: 0 }, 'maxReplicas'],
    ['target of zero', { targetBacklogPerReplica: 0 }, 'targetBacklogPerReplica'],
    ['NaN target', { targetBacklogPerReplica: Number.NaN }, 'targetBacklogPerReplica'],
    ['infinite cooldown', { scaleToZeroCooldownMs: Number.POSITIVE_INFINITY }, 'scaleToZeroCooldownMs'],
    ['negative activation', { activationBacklog: -3 }, 'activationBacklog'],
    ['drain time of zero', { targetDrainTimeMs: 0 }, 'targetDrainTimeMs'],
    ['poll faster than 100 ms', { pollIntervalMs: 50 }, 'pollIntervalMs'],
    ['negative window', { scaleDown: { stabilizationMs: -1 } }, 'scaleDown.stabilizationMs'],
    ['step of zero pods', { scaleUp: { maxStepPods: 0 } }, 'scaleUp.maxStepPods'],
    ['negative step percent', { scaleDown: { maxStepPercent: -5 } }, 'scaleDown.maxStepPercent'],
  ];
  it.each(rejected)('rejects %s, naming the field', (_name, input, field) => {
    const error = catchError(() => resolvePolicy(input));
    expect(error).toBeInstanceOf(InvalidScalingPolicy);
    expect((error as InvalidScalingPolicy).field).toBe(field);
    expect((error as InvalidScalingPolicy).message).toContain(`autoscaling.${field}`);
  });

  it('rejects values of the wrong type from an untyped resource', () => {
    const fromJson = JSON.parse('{"maxReplicas": "10", "scaleUp": 5}') as ScalingPolicyInput;
    expect(catchError(() => resolvePolicy(fromJson))).toMatchObject({ field: 'maxReplicas' });
    const direction = JSON.parse('{"scaleUp": 5}') as ScalingPolicyInput;
    expect(catchError(() => resolvePolicy(direction))).toMatchObject({ field: 'scaleUp' });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
