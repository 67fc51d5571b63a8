/**
 * `celeriac/topology`: what the operator (and a deployment without it) needs to set up and watch
 * a queue in NATS. Apps import `celeriac`; this subpath is plumbing, kept apart so the root export
 * stays the app's API.
 */
export { defaultQueueSettings } from './settings.ts';
export type { QueueSettings } from './settings.ts';
export { desiredTaskStream, desiredConsumer, desiredDeadLetterStream, desiredResultBucket, desiredWorkflowBucket, schedulable } from './desired.ts';
export { ensureQueue, deleteQueue, isNotFound } from './ensure-queue.ts';
export { desiredLaneConsumers, laneStreamSubjects } from './desired-lanes.ts';
export { laneLayoutOf, lanesOf, LANE_LIMITS } from '../lanes/layout.ts';
export type { Lane, LaneLayout } from '../lanes/layout.ts';
export type { QueueSync, SyncReport } from './ensure-queue.ts';
export { diffConfig, updatable, IMMUTABLE_STREAM_FIELDS, IMMUTABLE_CONSUMER_FIELDS } from './diff.ts';
export type { ConfigDiff, FieldChange } from './diff.ts';
export { serverFeatures, parseServerVersion, minimumMinor, FEATURE_MIN_VERSIONS } from './server-features.ts';
export type { ServerFeature, ServerFeatures } from './server-features.ts';
export { cancelBucketName, cancelTtlMs, desiredCancelBucket } from '../cancel/bucket.ts';
export { desiredSlotBucket, slotBucketName } from '../key-concurrency/bucket.ts';
export type { CancelRequest } from '../cancel/bucket.ts';
export { rateLimitBucketName, rateCounterStreamName, rateCounterSubject, desiredRateLimitBucket, desiredRateCounterStream } from '../rate-limit/topology.ts';
export { parseRateLimit, rateLimitKey } from '../rate-limit/limit.ts';
export { pauseQueue, resumeQueue, isQueuePaused } from './pause.ts';
export { readQueueState, queueStateOf } from './queue-state.ts';
export { managerOf } from './manager.ts';
export type { QueueState } from './queue-state.ts';
export { workerStatusSubject } from '../worker/heartbeat.ts';
export type { WorkerStatus } from '../worker/heartbeat.ts';
export { describeConnection } from '../connection.ts';
export { DEFAULTS } from '../defaults.ts';
export { scheduleMessage, scheduleSpecification, sameSchedule, putSchedule, removeSchedule, readSchedules } from './schedules.ts';
export type { PeriodicSchedule, ScheduleMessage } from './schedules.ts';
