/**
 * Rates from a series of queue observations, as pure folds: arrivals per second, completions
 * per second and what one busy replica completes per second. Each poll is one observation; a
 * missed poll only makes the next interval longer, and a counter that goes backwards (a stream
 * recreated) restarts the baseline without touching the estimates.
 */
import { DEFAULT_RATE_ESTIMATOR_OPTIONS, type RateEstimatorOptions } from './policy.ts';

/** One poll of a queue. Counters are cumulative; counts are a snapshot. */
export interface QueueObservation {
  /** Milliseconds. */
  readonly at: number;
  /** The stream's last sequence number: every task ever enqueued. */
  readonly lastSeq: number;
  /** pending + ackPending. */
  readonly backlog: number;
  /** ackPending. */
  readonly inFlight: number;
  /** Ready worker replicas consuming the queue. */
  readonly readyReplicas: number;
  /**
   * Tasks finished, if counted directly (the workers' completions, or the consumer's ack floor
   * on a stream only this consumer reads). Without it, completions are arrivals minus backlog
   * growth, which holds as long as every task of the stream passes through this consumer.
   */
  readonly completedTotal?: number;
}

/** The arrival rate of one interval between two polls. */
export interface RateSample {
  readonly from: number;
  readonly to: number;
  readonly perSecond: number;
}

export interface RateEstimates {
  /** The baseline the next observation is compared with. */
  readonly last?: QueueObservation;
  /** Arrival rates of the recent intervals that overlap the arrival window. */
  readonly arrivalSamples: readonly RateSample[];
  readonly arrivalRate?: number;
  readonly completionRate?: number;
  /** Unknown until replicas were seen saturated: a replica with nothing to do shows no capacity. */
  readonly throughputPerReplica?: number;
  readonly throughputMeasuredAt?: number;
}

export const INITIAL_RATE_ESTIMATES: RateEstimates = { arrivalSamples: [] };

export function updateRates(
  state: RateEstimates,
  obs: QueueObservation,
  options: RateEstimatorOptions = DEFAULT_RATE_ESTIMATOR_OPTIONS,
): RateEstimates {
  if (!isSane(obs)) return state;
  const prev = state.last;
  if (prev === undefined) return { ...state, last: obs };
  const seconds = (obs.at - prev.at) / 1000;
  // A repeated or out-of-order poll says nothing about rates.
  if (seconds <= 0) return state;

  const arrived = obs.lastSeq - prev.lastSeq;
  const completed = completedBetween(prev, obs, arrived);
  if (arrived < 0 || completed === undefined) return { ...state, last: obs };

  const samples = [...state.arrivalSamples, { from: prev.at, to: obs.at, perSecond: arrived / seconds }].filter(
    (s) => s.to > obs.at - options.arrivalWindowMs,
  );
  const weight = 1 - Math.exp(-(obs.at - prev.at) / options.throughputTimeConstantMs);
  const completionRate = ewma(state.completionRate, completed / seconds, weight);
  const perReplica = saturatedThroughput(prev, obs, completed / seconds);
  return {
    last: obs,
    arrivalSamples: samples,
    arrivalRate: weightedMedian(samples, obs.at - options.arrivalWindowMs),
    completionRate,
    ...(perReplica === undefined
      ? pick(state)
      : { throughputPerReplica: ewma(state.throughputPerReplica, perReplica, weight), throughputMeasuredAt: obs.at }),
  };
}

/** The estimates after a whole series, oldest first. */
export function estimateRates(
  observations: Iterable<QueueObservation>,
  options: RateEstimatorOptions = DEFAULT_RATE_ESTIMATOR_OPTIONS,
): RateEstimates {
  let state = INITIAL_RATE_ESTIMATES;
  for (const obs of observations) state = updateRates(state, obs, options);
  return state;
}

/** Undefined when a completion counter went backwards. */
function completedBetween(prev: QueueObservation, obs: QueueObservation, arrived: number): number | undefined {
  if (prev.completedTotal !== undefined && obs.completedTotal !== undefined) {
    const counted = obs.completedTotal - prev.completedTotal;
    return counted < 0 ? undefined : counted;
  }
  // Snapshots read a moment apart can disagree by a few tasks; a rate cannot be negative.
  return Math.max(0, arrived - (obs.backlog - prev.backlog));
}

/**
 * Completions per ready replica, only over an interval where tasks waited undelivered from
 * start to end (every replica was as busy as it gets) and the ready count did not change (so
 * no replica worked only part of it). Anything else measures the load, not the capacity.
 */
function saturatedThroughput(prev: QueueObservation, obs: QueueObservation, completionRate: number): number | undefined {
  const saturated = prev.backlog > prev.inFlight && obs.backlog > obs.inFlight;
  const stable = prev.readyReplicas === obs.readyReplicas && obs.readyReplicas > 0;
  return saturated && stable && completionRate > 0 ? completionRate / obs.readyReplicas : undefined;
}

/**
 * The median of the samples' rates, each weighted by how much of the window it covers. A burst
 * in one poll moves it not at all; a rate that holds for half the window becomes it.
 */
function weightedMedian(samples: readonly RateSample[], windowStart: number): number | undefined {
  const weighted = samples
    .map((s) => ({ rate: s.perSecond, weight: s.to - Math.max(s.from, windowStart) }))
    .filter((s) => s.weight > 0)
    .sort((a, b) => a.rate - b.rate);
  const total = weighted.reduce((sum, s) => sum + s.weight, 0);
  let seen = 0;
  for (const s of weighted) {
    seen += s.weight;
    if (seen >= total / 2) return s.rate;
  }
  return undefined;
}

/** Exponentially weighted moving average; `weight` = 1 - e^(-dt/tau) makes it time-based. */
function ewma(previous: number | undefined, sample: number, weight: number): number {
  return previous === undefined ? sample : previous + weight * (sample - previous);
}

function pick(state: RateEstimates): Pick<RateEstimates, 'throughputPerReplica' | 'throughputMeasuredAt'> {
  return state.throughputPerReplica === undefined
    ? {}
    : { throughputPerReplica: state.throughputPerReplica, throughputMeasuredAt: state.throughputMeasuredAt };
}

function isSane(obs: QueueObservation): boolean {
  const counts = [obs.lastSeq, obs.backlog, obs.inFlight, obs.readyReplicas, obs.completedTotal ?? 0];
  return Number.isFinite(obs.at) && counts.every((n) => Number.isFinite(n) && n >= 0);
}
