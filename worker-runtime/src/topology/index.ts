/**
 * `celeriac/topology`: what the operator (and a deployment without it) needs to set up and watch
 * a queue in NATS. Apps import `celeriac`; this subpath is plumbing, kept apart so the root export
 * stays the app's API.
 */
export { defaultQueueSettings } from './settings.ts';
export type { QueueSettings } from './settings.ts';
export { desiredTaskStream, desiredConsumer, desiredDeadLetterStream, desiredResultBucket, desiredWorkflowBucket, schedulable } from './desired.ts';
export { ensureQueue, deleteQueue, isNotFound } from './ensure-queue.ts';
export type { SyncReport } from './ensure-queue.ts';
export { diffConfig, updatable, IMMUTABLE_STREAM_FIELDS, IMMUTABLE_CONSUMER_FIELDS } from './diff.ts';
export type { ConfigDiff, FieldChange } from './diff.ts';
export { readQueueState } from './queue-state.ts';
export type { QueueState } from './queue-state.ts';
export { workerStatusSubject } from '../worker/heartbeat.ts';
export type { WorkerStatus } from '../worker/heartbeat.ts';
export { describeConnection } from '../connection.ts';
export { DEFAULTS } from '../defaults.ts';
