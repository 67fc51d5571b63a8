import { DEFAULTS } from '../defaults.ts';
import { LANE_LIMITS, laneConsumerName } from '../protocol.ts';

/**
 * The lanes of a queue: `levels` priority levels (0 lowest, the default) times `buckets`
 * fairness buckets. Each lane is a subject of the task stream with its own durable consumer;
 * workers choose which lane to pull from next (lanes/picker.ts). A queue without priorities or
 * fairness has one lane, the plain task subject, and no layout at all.
 */
export interface LaneLayout {
  levels: number;
  buckets: number;
  /** Percent of pulls a level yields to the levels below it while they have work; 0 = strict. */
  lowSharePercent: number;
}

export interface Lane {
  level: number;
  bucket: number;
  consumer: string;
}

export { LANE_LIMITS };

/** The stream metadata key that tells workers and producers a queue's lanes. */
export const LANE_METADATA_KEY = 'celeriac.lanes';

/** A layout with both counts set, or undefined when the queue has a single lane. */
export function laneLayoutOf(levels = 1, buckets = 1, lowSharePercent: number = DEFAULTS.laneLowSharePercent): LaneLayout | undefined {
  const layout = { levels, buckets, lowSharePercent };
  assertLaneLayout(layout);
  return levels * buckets > 1 ? layout : undefined;
}

export function assertLaneLayout(l: LaneLayout): void {
  const intIn = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (!intIn(l.levels, 1, LANE_LIMITS.maxLevels)) throw new RangeError(`priority levels must be an integer from 1 to ${LANE_LIMITS.maxLevels}, got ${l.levels}`);
  if (!intIn(l.buckets, 1, LANE_LIMITS.maxBuckets)) throw new RangeError(`fairness buckets must be an integer from 1 to ${LANE_LIMITS.maxBuckets}, got ${l.buckets}`);
  if (l.levels * l.buckets > LANE_LIMITS.maxLanes) throw new RangeError(`priority levels times fairness buckets must be at most ${LANE_LIMITS.maxLanes}, got ${l.levels * l.buckets}`);
  if (!intIn(l.lowSharePercent, 0, LANE_LIMITS.maxLowSharePercent)) {
    throw new RangeError(`lowShare must be an integer percent from 0 to ${LANE_LIMITS.maxLowSharePercent}, got ${l.lowSharePercent}`);
  }
}

/** Every lane, highest level first. */
export function lanesOf(l: LaneLayout): Lane[] {
  const lanes: Lane[] = [];
  for (let level = l.levels - 1; level >= 0; level--) {
    for (let bucket = 0; bucket < l.buckets; bucket++) lanes.push({ level, bucket, consumer: laneConsumerName(level, bucket) });
  }
  return lanes;
}

/** Stream metadata value: `levels=3,buckets=8,lowShare=10`, or `none` for a single-lane queue. */
export function encodeLaneLayout(l: LaneLayout | undefined): string {
  return l ? `levels=${l.levels},buckets=${l.buckets},lowShare=${l.lowSharePercent}` : 'none';
}

/** The layout in a stream's metadata; undefined for none, a missing key or a value it cannot read. */
export function decodeLaneLayout(metadata: Record<string, string> | undefined): LaneLayout | undefined {
  const m = /^levels=(\d+),buckets=(\d+),lowShare=(\d+)$/.exec(metadata?.[LANE_METADATA_KEY] ?? '');
  if (!m) return undefined;
  try {
    return laneLayoutOf(Number(m[1]), Number(m[2]), Number(m[3]));
  } catch {
    return undefined;
  }
}
