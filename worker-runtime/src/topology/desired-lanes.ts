import type { ConsumerConfig } from '@nats-io/jetstream';
import { laneSubject, SUBJECT_ROOT } from '../protocol.ts';
import { LANE_METADATA_KEY, encodeLaneLayout, lanesOf } from '../lanes/layout.ts';
import type { QueueSettings } from './settings.ts';

/** What a queue's lanes (priorities, fairness: lanes/layout.ts) add to its JetStream objects. Pure. */

/**
 * The lane subjects the task stream takes besides the plain task subjects: one per lane other
 * than 0/0 (which is the plain task subject), per task when the queue lists its tasks. Listing
 * each lane, not `lanes.>`, makes the server refuse a publish to a lane that does not exist, so
 * no task can sit in the stream where no consumer would ever deliver it.
 */
export function laneStreamSubjects(s: QueueSettings): string[] {
  if (!s.lanes) return [];
  const lanes = lanesOf(s.lanes).filter((l) => l.level !== 0 || l.bucket !== 0);
  const tasks = s.tasks.length > 0 ? s.tasks : ['>'];
  return lanes.flatMap((l) => tasks.map((t) => laneSubject(s.queue, t, l.level, l.bucket)));
}

/**
 * Tells workers and producers the queue's lanes. Always set (`none` without lanes), so removing
 * lanes from a queue updates it like any other change.
 */
export function laneMetadata(s: QueueSettings): Record<string, string> {
  return { [LANE_METADATA_KEY]: encodeLaneLayout(s.lanes) };
}

type Consumer = Partial<ConsumerConfig> & { durable_name: string };

/**
 * The durable consumers of the lanes other than 0/0 (that is the queue's one consumer, `base`),
 * each like `base` but for its lane's subjects; none without lanes.
 */
export function desiredLaneConsumers(s: QueueSettings, base: Consumer): Consumer[] {
  if (!s.lanes) return [];
  return lanesOf(s.lanes)
    .filter((l) => l.level !== 0 || l.bucket !== 0)
    .map((l) => ({ ...base, durable_name: l.consumer, filter_subject: `${SUBJECT_ROOT}.${s.queue}.lanes.${l.level}.${l.bucket}.>` }));
}

/** Consumer names of lanes: what `ensureQueue` removes when the queue no longer has that lane. */
export function isLaneConsumer(name: string): boolean {
  return /^lane-\d+-\d+$/.test(name);
}
