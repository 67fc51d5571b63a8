/**
 * The autoscaling policy of a WorkerPool (`spec.autoscaling`), its defaults and its validation.
 * Every default of the autoscaler lives here, each with the reason it is what it is.
 * All durations are in milliseconds; the CRD adapter converts whatever unit the resource uses.
 */

/** How one direction of scaling is paced. */
export interface ScaleDirection {
  /**
   * How far back recommendations are considered before moving (the HPA's
   * `stabilizationWindowSeconds`): scale-up follows the lowest recommendation in the window,
   * scale-down the highest, so a move happens only once the whole window agrees.
   */
  readonly stabilizationMs: number;
  /** At most this many pods added (or removed) by one decision. */
  readonly maxStepPods?: number;
  /** At most this percentage of the current replicas added (or removed) by one decision. */
  readonly maxStepPercent?: number;
}

export interface ScalingPolicy {
  /** 0 allows scale to zero after `scaleToZeroCooldownMs` without work. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Backlog (pending + in flight) one replica is sized for: KEDA's `lagThreshold`. */
  readonly targetBacklogPerReplica: number;
  /** From zero replicas, the pool starts only when the backlog exceeds this (KEDA's activation). */
  readonly activationBacklog: number;
  readonly scaleUp: ScaleDirection;
  readonly scaleDown: ScaleDirection;
  /** A pool goes to zero only after this long with no backlog, nothing in flight and nothing arriving. */
  readonly scaleToZeroCooldownMs: number;
  /** When set: enough replicas that the backlog clears within this while arrivals keep coming. */
  readonly targetDrainTimeMs?: number;
  /** How often the queue's backlog is read (one read per queue, shared by its pools). */
  readonly pollIntervalMs: number;
}

/** What a user may write: every field optional; `null` (JSON's absent) means "use the default". */
export interface ScalingPolicyInput {
  readonly minReplicas?: number | null;
  readonly maxReplicas?: number | null;
  readonly targetBacklogPerReplica?: number | null;
  readonly activationBacklog?: number | null;
  readonly scaleUp?: Partial<ScaleDirection> | null;
  readonly scaleDown?: Partial<ScaleDirection> | null;
  readonly scaleToZeroCooldownMs?: number | null;
  readonly targetDrainTimeMs?: number | null;
  readonly pollIntervalMs?: number | null;
}

export const DEFAULT_SCALING_POLICY: ScalingPolicy = {
  /**
   * An idle queue costs nothing: scale to zero after the cooldown, wake on the first task (the
   * CRD's default, the lead's call). The price is a cold start after a quiet spell, 5 s (the
   * pod start SLO) to 30 s (an image pull); `minReplicas: 1` keeps one worker warm instead.
   */
  minReplicas: 0,
  /**
   * A bound on cost and on the load a runaway burst puts on the databases and APIs the tasks
   * call, which nobody has sized for more yet. Raising it is a deliberate choice.
   */
  maxReplicas: 10,
  /**
   * KEDA's default `lagThreshold`, so users coming from KEDA keep their sizing. The backlog
   * counts tasks in flight too, so with the worker's default concurrency of 16 a replica at
   * target runs all its tasks at once with a third of its slots free for the next burst while
   * new pods start: the equivalent of a 60 to 70 % utilisation target. A target at or above the
   * worker concurrency would need a standing queue to hold its replicas and would oscillate.
   */
  targetBacklogPerReplica: 10,
  /** KEDA's default: any task wakes a pool at zero. Higher values can leave tasks waiting. */
  activationBacklog: 0,
  scaleUp: {
    /**
     * Immediately, like the HPA's default for scale-up: a burst must get its workers within a
     * poll. The backlog is exact (read from the consumer's leader), not a noisy CPU sample.
     */
    stabilizationMs: 0,
    // No step limit: the replicas a burst needs arrive in one step, bounded by maxReplicas.
    // Step limits are what make the HPA double every 15 s.
  },
  scaleDown: {
    /**
     * 90 s instead of the HPA's 300 s: the backlog is exact and fresh every second, so the long
     * window meant for noisy CPU metrics only wastes pods. Longer than a minute so the most
     * common schedule (a job every minute) keeps its workers between runs instead of
     * cold-starting them every time.
     */
    stabilizationMs: 90_000,
    // No step limit: once the window agrees the load is gone, the surplus goes at once. Pods
    // still running tasks are protected by the in-flight floor and drain on SIGTERM.
  },
  /**
   * Two minutes without a single task: quiet enough that scale to zero does not cold-start a
   * pool that sees a task every minute or so. KEDA waits 300 s; we only need to outlast
   * ordinary gaps, because activation brings the pool back within a poll.
   */
  scaleToZeroCooldownMs: 120_000,
  // targetDrainTimeMs: off. The backlog target already sizes short I/O-bound tasks; a drain
  // time is a promise about task duration that only the user can make (turn it on for slow tasks).
  /**
   * 1 s: a burst is seen within a second and acted on at once, well inside the 2 s we promise.
   * One consumer info request per queue per second is negligible load for the server.
   */
  pollIntervalMs: 1_000,
};

/**
 * The HPA's default tolerance, applied below the current count only: a demand up to 10 % under
 * what the current replicas serve keeps them, so a load hovering at a rounding boundary does
 * not add and remove a pod every poll. Above the current count there is no band: a queue short
 * of capacity grows without bound.
 */
export const SCALING_TOLERANCE = 0.1;

/**
 * With an up step limit, the next step waits until the last step's pods are ready, but not
 * longer than this: pods that never become ready (a crash loop, an unschedulable pod) must not
 * freeze the pool. Well above the 5 s pod start SLO, enough for a slow image pull.
 */
export const POD_START_GRACE_MS = 60_000;

/** Polls faster than this load the JetStream API without deciding noticeably sooner. */
export const MIN_POLL_INTERVAL_MS = 100;

export interface RateEstimatorOptions {
  /** Window of the arrival rate. */
  readonly arrivalWindowMs: number;
  /** Buckets the arrival window is cut into; the rate is the median of their means. */
  readonly arrivalBuckets: number;
  /** Time constant of the completion rate's and per-replica throughput's moving averages. */
  readonly throughputTimeConstantMs: number;
}

export const DEFAULT_RATE_ESTIMATOR_OPTIONS: RateEstimatorOptions = {
  /**
   * The arrival rate is the median of five 4 s bucket means over the last 20 s, not an
   * average: a burst is already in the backlog, and averaging it into the rate would count it
   * twice (an average over W adds burst/W per second on top of burst/drainTime). Buckets rather
   * than single polls, so a trickle of a task every few seconds is not read as zero. A real
   * change becomes the rate after three buckets (12 s); the backlog covers the gap.
   */
  arrivalWindowMs: 20_000,
  arrivalBuckets: 5,
  /**
   * Per-replica throughput is a property of the tasks and the pods, which changes slowly; 30 s
   * smooths out tasks of uneven length without hiding a real change for long.
   */
  throughputTimeConstantMs: 30_000,
};

/** The policy names a field it cannot accept; `field` is its path inside `spec.autoscaling`. */
export class InvalidScalingPolicy extends Error {
  override readonly name = 'InvalidScalingPolicy';
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`autoscaling.${field}: ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}

/** Fills the defaults into what a user wrote and rejects nonsense, naming the field. */
export function resolvePolicy(input: ScalingPolicyInput = {}): ScalingPolicy {
  const d = DEFAULT_SCALING_POLICY;
  const minReplicas = integer(input.minReplicas, 'minReplicas', 0, d.minReplicas);
  const maxReplicas = integer(input.maxReplicas, 'maxReplicas', 1, Math.max(d.maxReplicas, minReplicas));
  if (minReplicas > maxReplicas) {
    throw new InvalidScalingPolicy('minReplicas', `${minReplicas} is above maxReplicas ${maxReplicas}`);
  }
  const targetDrainTimeMs = optionalPositive(input.targetDrainTimeMs, 'targetDrainTimeMs');
  return {
    minReplicas,
    maxReplicas,
    targetBacklogPerReplica: positive(input.targetBacklogPerReplica, 'targetBacklogPerReplica', d.targetBacklogPerReplica),
    activationBacklog: atLeast(input.activationBacklog, 'activationBacklog', 0, d.activationBacklog),
    scaleUp: direction(input.scaleUp, 'scaleUp', d.scaleUp),
    scaleDown: direction(input.scaleDown, 'scaleDown', d.scaleDown),
    scaleToZeroCooldownMs: atLeast(input.scaleToZeroCooldownMs, 'scaleToZeroCooldownMs', 0, d.scaleToZeroCooldownMs),
    ...(targetDrainTimeMs === undefined ? {} : { targetDrainTimeMs }),
    pollIntervalMs: atLeast(input.pollIntervalMs, 'pollIntervalMs', MIN_POLL_INTERVAL_MS, d.pollIntervalMs),
  };
}

function direction(input: unknown, field: string, fallback: ScaleDirection): ScaleDirection {
  if (input == null) return fallback;
  if (typeof input !== 'object') throw new InvalidScalingPolicy(field, 'must be an object');
  const given = input as Partial<Record<keyof ScaleDirection, unknown>>;
  const maxStepPods = given.maxStepPods == null ? undefined : integer(given.maxStepPods, `${field}.maxStepPods`, 1, 1);
  const maxStepPercent = optionalPositive(given.maxStepPercent, `${field}.maxStepPercent`);
  return {
    stabilizationMs: atLeast(given.stabilizationMs, `${field}.stabilizationMs`, 0, fallback.stabilizationMs),
    ...(maxStepPods === undefined ? {} : { maxStepPods }),
    ...(maxStepPercent === undefined ? {} : { maxStepPercent }),
  };
}

function atLeast(value: unknown, field: string, min: number, fallback: number): number {
  if (value == null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidScalingPolicy(field, `must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (value < min) throw new InvalidScalingPolicy(field, `must be at least ${min}, got ${value}`);
  return value;
}

function integer(value: unknown, field: string, min: number, fallback: number): number {
  const n = atLeast(value, field, min, fallback);
  if (!Number.isInteger(n)) throw new InvalidScalingPolicy(field, `must be a whole number, got ${n}`);
  return n;
}

function positive(value: unknown, field: string, fallback: number): number {
  const n = atLeast(value, field, 0, fallback);
  if (n === 0) throw new InvalidScalingPolicy(field, 'must be above 0');
  return n;
}

function optionalPositive(value: unknown, field: string): number | undefined {
  return value == null ? undefined : positive(value, field, 0);
}
