/**
 * `spec.priorities` and `spec.fairness` of a TaskQueue: the queue's lanes (priority levels times
 * fairness buckets), each a subject of the task stream with its own consumer (docs/concepts.md
 * "Priorities", "Fairness"). The bounds are the runtime's (LANE_LIMITS in celeriac/protocol).
 */
import { LANE_LIMITS } from 'celeriac/protocol';
import { TASK_QUEUE_DEFAULTS as D } from './defaults.ts';
import type { ValidationRule } from './schema.ts';
import { int, object, required } from './schema.ts';

export const priorities = object(
  {
    levels: required(
      int({
        description: `Priority levels, 0 (lowest, the default of an enqueue) to levels-1: workers take the highest level with work first. 1 to ${LANE_LIMITS.maxLevels}.`,
        minimum: 1,
        maximum: LANE_LIMITS.maxLevels,
      }),
    ),
    lowShare: int({
      description: `Percent of pulls a level yields to the levels below it while they have work, so they never starve (shared among them by the same rule). 0 is strict priority. 0 to ${LANE_LIMITS.maxLowSharePercent}.`,
      minimum: 0,
      maximum: LANE_LIMITS.maxLowSharePercent,
      default: D.priorityLowShare,
    }),
  },
  { description: 'Priority levels of the queue: enqueue(..., { priority }). Unset: one level. Running workers follow a change within 30 s.' },
);

export const fairness = object(
  {
    buckets: required(
      int({
        description: `Fairness buckets: a task's fairness key is hashed into one, and workers take turns between buckets with work, so one key's backlog does not hold up the others. Two keys share a bucket (and its order) with odds 1/buckets. 1 to ${LANE_LIMITS.maxBuckets}.`,
        minimum: 1,
        maximum: LANE_LIMITS.maxBuckets,
      }),
    ),
  },
  { description: 'Fair sharing between keys (e.g. tenants): enqueue(..., { fairnessKey }). Unset: one bucket. Running workers follow a change within 30 s.' },
);

/** Each lane is a consumer every worker pulls from: their number is bounded. */
export const laneRules: readonly ValidationRule[] = [
  {
    rule: `!has(self.priorities) || !has(self.fairness) || self.priorities.levels * self.fairness.buckets <= ${LANE_LIMITS.maxLanes}`,
    message: `priorities.levels times fairness.buckets must be at most ${LANE_LIMITS.maxLanes}: each is a consumer every worker pulls from`,
    fieldPath: '.fairness.buckets',
  },
];
