/**
 * The data of one scaling decision: what it reads, what it returns and the small serialisable
 * state it carries to the next one.
 */

/** What `decide` observed at `now`. Counts are tasks; rates are tasks per second. */
export interface DecisionInput {
  /** Milliseconds, any monotonic-enough clock (Date.now() in the operator). */
  readonly now: number;
  /** pending + ackPending of the queue's consumer: every task not yet finished. */
  readonly backlog: number;
  /** ackPending: tasks delivered to workers and not yet acknowledged. */
  readonly inFlight: number;
  /** The Deployment's spec.replicas. */
  readonly currentReplicas: number;
  readonly readyReplicas: number;
  /** Tasks one replica runs at once (the worker's concurrency). */
  readonly concurrencyPerReplica: number;
  /** Tasks entering the queue per second; unknown before two polls. */
  readonly arrivalRate?: number;
  /** Tasks one busy replica completes per second; unknown until measured under load. */
  readonly throughputPerReplica?: number;
  /** `nextState` of the previous decision, or INITIAL_SCALING_STATE. */
  readonly history: ScalingState;
  /**
   * The queue is paused: its waiting tasks are no demand until it resumes, so the pool is never
   * scaled up for them; it may scale down (to zero after the cooldown) like an idle pool.
   */
  readonly paused?: boolean;
}

/** Why a decision came out as it did: a CamelCase code for status conditions and logs. */
export type ScalingReason =
  /** From zero: the backlog went above the activation threshold. */
  | 'Activation'
  /** At zero, and the backlog is not above the activation threshold. */
  | 'BelowActivation'
  | 'ScaleUpBacklog'
  | 'ScaleUpDrainTime'
  /** Up to what the tasks already delivered to workers need. */
  | 'ScaleUpInFlight'
  | 'ScaleUpToMin'
  | 'ScaleUpStepLimited'
  | 'ScaleDown'
  | 'ScaleDownStepLimited'
  | 'ScaleToZeroAfterCooldown'
  /** Wanted more than maxReplicas (or the policy's max went below the current count). */
  | 'AtMax'
  /** Wanted fewer than minReplicas. */
  | 'AtMin'
  /** The stabilization window does not agree yet. */
  | 'HoldStabilization'
  /** A scale-down would remove replicas that in-flight tasks still need. */
  | 'HoldInFlight'
  /** No work, but the scale-to-zero cooldown has not passed: one replica stays. */
  | 'HoldZeroCooldown'
  /** A step-limited scale-up waits for the last step's pods to become ready. */
  | 'HoldPodsStarting'
  /** Observations unavailable (NATS or the API server unreachable): the last decision holds. */
  | 'HoldObservationsUnavailable'
  /** The observation made no sense (negative or not a number): the last decision holds. */
  | 'HoldInvalidObservation'
  /** The queue is paused: no scale-up, whatever the rules asked for. */
  | 'HoldPaused'
  | 'Steady';

/** What each rule asked for, for status and logs. */
export interface RuleReplicas {
  /** ceil(backlog / targetBacklogPerReplica), within tolerance of the current count. */
  readonly backlog: number;
  /** For the drain-time target; absent when off or while throughput per replica is unknown. */
  readonly drainTime?: number;
  /** ceil(inFlight / concurrencyPerReplica), capped by maxReplicas. */
  readonly inFlight: number;
  /** The demand within the policy's bounds: what enters the stabilization window. */
  readonly recommendation: number;
}

export interface Decision {
  readonly replicas: number;
  readonly reason: ScalingReason;
  /** One human sentence with the numbers behind the reason. */
  readonly message: string;
  /** Absent when the decision held because it could not compute. */
  readonly rules?: RuleReplicas;
  readonly nextState: ScalingState;
}

export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

export interface LastDecision {
  readonly at: number;
  readonly replicas: number;
  readonly reason: ScalingReason;
  readonly message: string;
}

/** Everything a decision remembers; plain data, so it can be logged or kept across restarts. */
export interface ScalingState {
  /** Recent recommendations, oldest first, pruned to the longest stabilization window. */
  readonly recommendations: readonly Recommendation[];
  /** Start of the current stretch with no backlog, nothing in flight and nothing arriving. */
  readonly idleSince?: number;
  readonly lastScaleUpAt?: number;
  readonly lastScaleDownAt?: number;
  readonly last?: LastDecision;
}

export const INITIAL_SCALING_STATE: ScalingState = { recommendations: [] };

/**
 * Appends a recommendation and drops those older than `keepMs`. A run of equal values keeps
 * only its newest entry: it leaves every window last, so the windows' min and max are unchanged
 * and a steady load keeps the state one entry long.
 */
export function remember(
  recommendations: readonly Recommendation[],
  next: Recommendation,
  keepMs: number,
): Recommendation[] {
  const kept = recommendations.filter((r) => r.at > next.at - keepMs);
  if (kept.at(-1)?.replicas === next.replicas) kept.pop();
  kept.push(next);
  return kept;
}
