/**
 * The autoscaler's decision: a pure function of what was observed, the policy and the state the
 * previous decision left. Modelled on the HPA (desired = ceil(metric / target), stabilization
 * windows, step limits) with KEDA's activation and cooldown for zero, plus a drain-time rule
 * and an in-flight floor neither has. docs/autoscaling.md walks through it.
 */
import {
  remember,
  type Decision,
  type DecisionInput,
  type Recommendation,
  type ScalingReason,
  type ScalingState,
} from './decision.ts';
import { describe, reasonFor, type Trace } from './explain.ts';
import { POD_START_GRACE_MS, SCALING_TOLERANCE, type ScalingPolicy } from './policy.ts';
import { hasStepLimit, limitStep, stabilize } from './stabilize.ts';

export function decide(input: DecisionInput, policy: ScalingPolicy): Decision {
  const state = input.history;
  const current = isCount(input.currentReplicas)
    ? Math.floor(input.currentReplicas)
    : (state.last?.replicas ?? policy.minReplicas);
  if (!Number.isFinite(input.now) || !isCount(input.backlog) || !isCount(input.inFlight)) {
    const replicas = clamp(state.last?.replicas ?? current, policy.minReplicas, policy.maxReplicas);
    return hold(state, input.now, replicas, 'HoldInvalidObservation', 'the observation is not a count');
  }

  const { now, inFlight } = input;
  // A consumer info read between an ack and its bookkeeping can show more in flight than
  // outstanding; the in-flight tasks are real either way. A paused queue's waiting tasks and
  // arrivals are no demand: only its running tasks count.
  const backlog = input.paused ? inFlight : Math.max(input.backlog, inFlight);
  const concurrency = isPositive(input.concurrencyPerReplica) ? input.concurrencyPerReplica : 1;
  const arrivalRate = input.paused ? 0 : isCount(input.arrivalRate) ? input.arrivalRate : undefined;
  const throughputPerReplica = isPositive(input.throughputPerReplica) ? input.throughputPerReplica : undefined;
  // A trickle of short tasks can slip between polls; a measured arrival rate still says work comes.
  const idle = backlog === 0 && inFlight === 0 && !(arrivalRate !== undefined && arrivalRate > 0);
  const idleSince = idle ? (state.idleSince ?? now) : undefined;

  const backlogReplicas = replicasFor(backlog, policy.targetBacklogPerReplica, current);
  const drainTime =
    policy.targetDrainTimeMs === undefined || throughputPerReplica === undefined
      ? undefined
      : replicasFor(backlog / (policy.targetDrainTimeMs / 1000) + (arrivalRate ?? 0), throughputPerReplica, current);
  const demand = Math.max(backlogReplicas, drainTime ?? 0);
  const inFlightReplicas = Math.min(policy.maxReplicas, ceil(inFlight / concurrency));

  const base = { policy, now, current, backlog, inFlight, concurrency, arrivalRate, throughputPerReplica, idleSince };
  const trace = (replicas: number, recommendation: number, more: Partial<Trace> = {}): Trace => ({
    ...base,
    ready: isCount(input.readyReplicas) ? input.readyReplicas : current,
    rules: { backlog: backlogReplicas, ...(drainTime === undefined ? {} : { drainTime }), inFlight: inFlightReplicas, recommendation },
    demand,
    windowed: replicas,
    stepped: replicas,
    podsStarting: false,
    replicas,
    ...more,
  });

  // Zero is KEDA's business (activation, cooldown), not the windows': the cooldown already is
  // the stabilization for the last replica, and a task must start a pool within one poll.
  if (policy.minReplicas === 0 && inFlightReplicas === 0) {
    if (current === 0 && backlog <= policy.activationBacklog) {
      return conclude(state, trace(0, 0), 'BelowActivation');
    }
    if (current > 0 && idleSince !== undefined && now - idleSince >= policy.scaleToZeroCooldownMs) {
      return conclude(state, trace(0, 0), 'ScaleToZeroAfterCooldown');
    }
  }

  // From here the pool runs: at zero only if activated, above zero only until the cooldown.
  // Either way one replica is the least, and in-flight tasks keep the replicas they run on.
  const lower = Math.max(policy.minReplicas, inFlightReplicas, 1);
  const recommendation = clamp(demand, lower, policy.maxReplicas);
  const windowed = stabilize(current, recommendation, remembered(state, now, current), now, policy);
  const podsStarting =
    windowed > current &&
    hasStepLimit(policy.scaleUp) &&
    isCount(input.readyReplicas) &&
    input.readyReplicas < current &&
    state.lastScaleUpAt !== undefined &&
    now - state.lastScaleUpAt < POD_START_GRACE_MS;
  const stepped = podsStarting ? current : limitStep(current, windowed, policy);
  const replicas = clamp(stepped, lower, policy.maxReplicas);
  // Paused: what runs already has its pods; minReplicas still applies.
  const ceiling = Math.max(current, policy.minReplicas);
  if (input.paused && replicas > ceiling) {
    return conclude(state, trace(ceiling, recommendation, { windowed, stepped, podsStarting }), 'HoldPaused');
  }
  return conclude(state, trace(replicas, recommendation, { windowed, stepped, podsStarting }));
}

/**
 * The recommendation history, or on a first decision (a new pool, or an operator that just
 * restarted and lost its history) the current count as if recommended now: a restart must not
 * skip the windows and scale down a pool that was busy a minute ago.
 */
function remembered(state: ScalingState, now: number, current: number): readonly Recommendation[] {
  return state.last === undefined && state.recommendations.length === 0
    ? [{ at: now, replicas: current }]
    : state.recommendations;
}

/**
 * NATS or the API server did not answer: keep the last decision (or the current count before
 * any). The idle clock restarts, because nobody saw whether tasks came and went meanwhile.
 */
export function holdOnError(
  state: ScalingState,
  now: number,
  currentReplicas: number,
  cause = 'observations unavailable',
): Decision {
  return hold(state, now, state.last?.replicas ?? currentReplicas, 'HoldObservationsUnavailable', cause);
}

function hold(state: ScalingState, now: number, replicas: number, reason: ScalingReason, cause: string): Decision {
  const message = `${cause}: holding ${replicas} replicas`;
  const { idleSince: _, ...rest } = state;
  return { replicas, reason, message, nextState: { ...rest, last: { at: now, replicas, reason, message } } };
}

function conclude(state: ScalingState, t: Trace, reason: ScalingReason = reasonFor(t)): Decision {
  const message = describe(reason, t);
  const keepMs = Math.max(t.policy.scaleUp.stabilizationMs, t.policy.scaleDown.stabilizationMs);
  const nextState: ScalingState = {
    recommendations: remember(state.recommendations, { at: t.now, replicas: t.rules.recommendation }, keepMs),
    idleSince: t.idleSince,
    lastScaleUpAt: t.replicas > t.current ? t.now : state.lastScaleUpAt,
    lastScaleDownAt: t.replicas < t.current ? t.now : state.lastScaleDownAt,
    last: { at: t.now, replicas: t.replicas, reason, message },
  };
  return { replicas: t.replicas, reason, message, rules: t.rules, nextState };
}

/**
 * ceil(demand / perReplica), except that a demand less than the tolerance below what the
 * current replicas serve keeps them. The HPA's band is two-sided; ours is below only, because a
 * queue short of capacity grows without bound while a spare replica costs one pod, and once up,
 * the band keeps a load hovering at a boundary from taking the pod away again. Monotonic in
 * `demand`: within the band the result is current, below it at most current, above it more.
 */
function replicasFor(demand: number, perReplica: number, current: number): number {
  const exact = demand / perReplica;
  if (exact <= current && exact >= current * (1 - SCALING_TOLERANCE)) return current;
  return ceil(exact);
}

/** Math.ceil that forgives floating-point dust: 0.1 * 30 / 3 is 1, not 2. */
function ceil(x: number): number {
  return Math.ceil(x - 1e-9);
}

function clamp(x: number, min: number, max: number): number {
  return Math.min(Math.max(x, min), max);
}

function isCount(x: number | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

function isPositive(x: number | undefined): x is number {
  return isCount(x) && x > 0;
}
