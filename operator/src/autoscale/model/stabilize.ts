/**
 * The HPA's pacing, as pure functions: stabilization windows over recommendation history and
 * step limits. Same algorithm as the HPA controller's `stabilizeRecommendationWithBehaviors`
 * and rate limits (k8s.io/kubernetes pkg/controller/podautoscaler/horizontal.go).
 */
import type { Recommendation } from './decision.ts';
import type { ScaleDirection, ScalingPolicy } from './policy.ts';

/**
 * Scale-up goes only as high as the lowest recommendation in the up window, scale-down only as
 * low as the highest in the down window; in between, the current count stays. `history` holds
 * earlier recommendations only, so a zero window means "follow the recommendation now".
 */
export function stabilize(
  current: number,
  recommendation: number,
  history: readonly Recommendation[],
  now: number,
  policy: ScalingPolicy,
): number {
  const upCutoff = now - policy.scaleUp.stabilizationMs;
  const downCutoff = now - policy.scaleDown.stabilizationMs;
  let up = recommendation;
  let down = recommendation;
  for (const r of history) {
    if (r.at > upCutoff) up = Math.min(up, r.replicas);
    if (r.at > downCutoff) down = Math.max(down, r.replicas);
  }
  return Math.min(Math.max(current, up), down);
}

/** Whether the direction limits its steps at all. */
export function hasStepLimit(direction: ScaleDirection): boolean {
  return direction.maxStepPods !== undefined || direction.maxStepPercent !== undefined;
}

/**
 * Pods one decision may add or remove from `current`. With both limits set, the larger change
 * wins (the HPA's default `selectPolicy: Max`): pods alone are too slow for a large pool and a
 * percentage alone too slow for a small one. Always at least 1, so a pool at 0 can start.
 */
export function stepAllowance(current: number, direction: ScaleDirection, up: boolean): number {
  if (!hasStepLimit(direction)) return Number.POSITIVE_INFINITY;
  const byPercent = direction.maxStepPercent === undefined ? 0 : (current * direction.maxStepPercent) / 100;
  const percentPods = up ? Math.ceil(byPercent) : Math.floor(byPercent);
  return Math.max(1, direction.maxStepPods ?? 0, percentPods);
}

/** `target` moved no further from `current` than one step of its direction allows. */
export function limitStep(current: number, target: number, policy: ScalingPolicy): number {
  if (target > current) return Math.min(target, current + stepAllowance(current, policy.scaleUp, true));
  if (target < current) return Math.max(target, current - stepAllowance(current, policy.scaleDown, false));
  return current;
}
