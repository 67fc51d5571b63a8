import { parseDuration, type WorkerPool } from '@celeriac/crds';
import { resolvePolicy, type ScalingPolicy } from './policy.ts';

const ms = (d: string | undefined) => (d ? parseDuration(d) : undefined);

/** The pure policy of a pool's `spec.autoscaling` (durations in ms; defaults already filled by the API server). */
export function policyOf(pool: WorkerPool): ScalingPolicy {
  const a = pool.spec.autoscaling;
  return resolvePolicy({
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    targetBacklogPerReplica: a.targetBacklogPerReplica ?? pool.spec.concurrency,
    activationBacklog: a.activationBacklog,
    scaleUp: { stabilizationMs: ms(a.scaleUp.stabilizationWindow) ?? 0, ...steps(a.scaleUp) },
    scaleDown: { stabilizationMs: ms(a.scaleDown.stabilizationWindow) ?? 0, ...steps(a.scaleDown) },
    scaleToZeroCooldownMs: ms(a.scaleToZeroCooldown) ?? null,
    targetDrainTimeMs: ms(a.targetDrainTime) ?? null,
    pollIntervalMs: ms(a.pollInterval) ?? null,
  });
}

function steps(s: { maxStepReplicas?: number | undefined; maxStepPercent?: number | undefined }) {
  return {
    ...(s.maxStepReplicas !== undefined ? { maxStepPods: s.maxStepReplicas } : {}),
    ...(s.maxStepPercent !== undefined ? { maxStepPercent: s.maxStepPercent } : {}),
  };
}
