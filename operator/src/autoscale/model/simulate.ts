/**
 * A synthetic queue driven by `decide`, for tests, docs and tuning a policy by hand: tasks
 * arrive (steadily or in bursts), ready replicas work them off, new pods become ready after a
 * start delay. Deterministic and pure: the same config gives the same trace.
 *
 * The queue is a fluid: each ready replica has `concurrency` slots and completes
 * `throughputPerReplica` tasks per second when they are all busy, so a task takes
 * concurrency / throughput seconds and the backlog at rest is arrivals x task time (Little's
 * law), as on a real pool. Between polls it is integrated exactly, so any poll interval works.
 */
import { INITIAL_SCALING_STATE, type ScalingReason } from './decision.ts';
import { decide } from './decide.ts';
import type { RateEstimatorOptions, ScalingPolicy } from './policy.ts';
import { INITIAL_RATE_ESTIMATES, updateRates } from './rates.ts';

export interface SimulationConfig {
  readonly policy: ScalingPolicy;
  readonly durationMs: number;
  /** Steady arrivals in tasks per second at a time (ms); none if absent. */
  readonly arrivalRate?: (at: number) => number;
  /** Tasks enqueued all at once. */
  readonly bursts?: readonly { readonly at: number; readonly tasks: number }[];
  /** Tasks per second one replica completes with all its slots busy. */
  readonly throughputPerReplica: number;
  readonly concurrencyPerReplica: number;
  readonly podStartDelayMs: number;
  /** Replicas already ready at time 0. */
  readonly initialReplicas?: number;
  readonly rateOptions?: RateEstimatorOptions;
}

/** One poll: what was observed and what was decided. */
export interface SimulationStep {
  readonly at: number;
  readonly backlog: number;
  readonly inFlight: number;
  readonly readyReplicas: number;
  /** Replicas before the decision. */
  readonly currentReplicas: number;
  /** Replicas after the decision. */
  readonly replicas: number;
  readonly reason: ScalingReason;
  readonly arrivalRate: number | undefined;
  readonly throughputPerReplica: number | undefined;
}

export function simulate(config: SimulationConfig): SimulationStep[] {
  const { policy, concurrencyPerReplica: concurrency, throughputPerReplica: mu } = config;
  const step = policy.pollIntervalMs;
  let queued = 0;
  let arrived = 0;
  let pods: number[] = Array.from({ length: config.initialReplicas ?? 0 }, () => 0);
  let history = INITIAL_SCALING_STATE;
  let rates = INITIAL_RATE_ESTIMATES;
  const trace: SimulationStep[] = [];

  for (let at = 0; at <= config.durationMs; at += step) {
    const ready = pods.filter((readyAt) => readyAt <= at).length;
    const backlog = Math.round(queued);
    const inFlight = Math.min(backlog, ready * concurrency);
    rates = updateRates(rates, { at, lastSeq: arrived, backlog, inFlight, readyReplicas: ready }, config.rateOptions);
    const decision = decide(
      {
        now: at,
        backlog,
        inFlight,
        currentReplicas: pods.length,
        readyReplicas: ready,
        concurrencyPerReplica: concurrency,
        arrivalRate: rates.arrivalRate,
        throughputPerReplica: rates.throughputPerReplica,
        history,
      },
      policy,
    );
    history = decision.nextState;
    trace.push({
      at,
      backlog,
      inFlight,
      readyReplicas: ready,
      currentReplicas: pods.length,
      replicas: decision.replicas,
      reason: decision.reason,
      arrivalRate: rates.arrivalRate,
      throughputPerReplica: rates.throughputPerReplica,
    });
    pods = resize(pods, decision.replicas, at + config.podStartDelayMs);

    for (const burst of config.bursts ?? []) {
      if (burst.at >= at && burst.at < at + step) {
        queued += burst.tasks;
        arrived += burst.tasks;
      }
    }
    const lambda = config.arrivalRate?.(at) ?? 0;
    arrived += (lambda * step) / 1000;
    queued = flow(queued, step / 1000, lambda, ready, concurrency, mu);
  }
  return trace;
}

/** Like a ReplicaSet: new pods start now, and scale-down removes the youngest (unready first). */
function resize(pods: number[], replicas: number, readyAt: number): number[] {
  if (replicas <= pods.length) return [...pods].sort((a, b) => a - b).slice(0, replicas);
  return [...pods, ...Array.from({ length: replicas - pods.length }, () => readyAt)];
}

/**
 * The backlog after `seconds` of arrivals at `lambda` worked by `ready` replicas. Saturated
 * (more tasks than slots) it moves linearly at lambda - ready x mu; otherwise every task is in
 * service and it relaxes exponentially towards lambda x task time. Crossing the slot count
 * switches from one regime to the other.
 */
function flow(backlog: number, seconds: number, lambda: number, ready: number, concurrency: number, mu: number): number {
  const perTask = mu / concurrency;
  const slots = ready * concurrency;
  let n = backlog;
  let remaining = seconds;
  // Each pass crosses the slot count at most once; three passes bound floating-point ties.
  for (let pass = 0; pass < 3 && remaining > 0; pass++) {
    if (n > slots || (n === slots && lambda >= ready * mu)) {
      const slope = lambda - ready * mu;
      const untilSlots = slope < 0 ? (n - slots) / -slope : Number.POSITIVE_INFINITY;
      if (untilSlots >= remaining) return n + slope * remaining;
      n = slots;
      remaining -= untilSlots;
    } else {
      const rest = lambda / perTask;
      const untilSlots = rest > slots ? Math.log((rest - n) / (rest - slots)) / perTask : Number.POSITIVE_INFINITY;
      if (untilSlots >= remaining) return rest + (n - rest) * Math.exp(-perTask * remaining);
      n = slots;
      remaining -= untilSlots;
    }
  }
  return n;
}
