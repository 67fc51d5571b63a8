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

/** A point of the cumulative arrival curve: tasks counted since the estimator started. */
export interface ArrivalPoint {
  readonly at: number;
  readonly total: number;
}

export interface RateEstimates {
  /** The baseline the next observation is compared with. */
  readonly last?: QueueObservation;
  /** The arrival curve over the arrival window, oldest first. */
  readonly arrivals: readonly ArrivalPoint[];
  readonly arrivalRate?: number;
  readonly completionRate?: number;
  /** Unknown until replicas were seen saturated: a replica with nothing to do shows no capacity. */
  readonly throughputPerReplica?: number;
  readonly throughputMeasuredAt?: number;
}

export const INITIAL_RATE_ESTIMATES: RateEstimates = { arrivals: [] };

export function updateRates(
  state: RateEstimates,
  obs: QueueObservation,
  options: RateEstimatorOptions = DEFAULT_RATE_ESTIMATOR_OPTIONS,
): RateEstimates {
  if (!isSane(obs)) return state;
  const prev = state.last;
  if (prev === undefined) return { ...state, last: obs, arrivals: [{ at: obs.at, total: 0 }] };
  const seconds = (obs.at - prev.at) / 1000;
  // A repeated or out-of-order poll says nothing about rates.
  if (seconds <= 0) return state;

  const arrived = obs.lastSeq - prev.lastSeq;
  const completed = completedBetween(prev, obs, arrived);
  if (arrived < 0 || completed === undefined) {
    return { ...state, last: obs, arrivals: [{ at: obs.at, total: 0 }] };
  }

  const arrivals = since(
    [...state.arrivals, { at: obs.at, total: (state.arrivals.at(-1)?.total ?? 0) + arrived }],
    obs.at - options.arrivalWindowMs,
  );
  const weight = 1 - Math.exp(-(obs.at - prev.at) / options.throughputTimeConstantMs);
  const completionRate = ewma(state.completionRate, completed / seconds, weight);
  const perReplica = saturatedThroughput(prev, obs, completed / seconds);
  return {
    last: obs,
    arrivals,
    arrivalRate: arrivalRate(arrivals, options) ?? state.arrivalRate,
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
 * The median of the mean arrival rates of the window's buckets (5 of 4 s by default), read off
 * the arrival curve. A burst fills one or two buckets and moves the median not at all; a
 * trickle of one task every few seconds shows in every bucket, where a median of single polls
 * would call it zero; a change becomes the rate once it holds for three buckets. Before a whole
 * bucket has been seen, the mean over what has.
 */
function arrivalRate(points: readonly ArrivalPoint[], options: RateEstimatorOptions): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || last.at <= first.at) return undefined;
  const bucketMs = options.arrivalWindowMs / options.arrivalBuckets;
  const rates: number[] = [];
  for (let end = last.at; end - bucketMs >= first.at && rates.length < options.arrivalBuckets; end -= bucketMs) {
    rates.push(((totalAt(points, end) - totalAt(points, end - bucketMs)) * 1000) / bucketMs);
  }
  if (rates.length === 0) return ((last.total - first.total) * 1000) / (last.at - first.at);
  return lowerMedian(rates);
}

/** The arrival curve at `at`, interpolated linearly between polls (a missed poll spreads evenly). */
function totalAt(points: readonly ArrivalPoint[], at: number): number {
  const after = points.findIndex((p) => p.at >= at);
  const right = points[after];
  const left = points[after - 1];
  if (right === undefined) return points.at(-1)?.total ?? 0;
  if (left === undefined || right.at === at) return right.total;
  return left.total + ((right.total - left.total) * (at - left.at)) / (right.at - left.at);
}

/** The points from `start` on, plus the one before it so the curve is known at `start`. */
function since(points: readonly ArrivalPoint[], start: number): ArrivalPoint[] {
  const firstInside = points.findIndex((p) => p.at >= start);
  return firstInside <= 0 ? [...points] : points.slice(firstInside - 1);
}

/**
 * The lower median: with an even count (only while the window fills) the calmer of the middle
 * two, so a burst in one of two buckets is not half counted. Underestimating is safe here: what
 * the rate misses piles up in the backlog, which the drain rule counts.
 */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? 0;
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
