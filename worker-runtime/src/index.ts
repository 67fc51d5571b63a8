/** Celeriac: define tasks, enqueue them, run workers on NATS JetStream. */
export { defineTask } from './task.ts';
export type { TaskContext, TaskDefinition, TaskHandler, TaskOptions, PayloadOf, ResultOf } from './task.ts';
export { Client } from './client/client.ts';
export type { ClientOptions, EnqueueOptions, TaskProducer } from './client/client.ts';
export type { TaskHandle } from './client/handle.ts';
export { PublishRejectedError } from './client/publisher.ts';
export { Worker } from './worker/worker.ts';
export type { WorkerOptions } from './worker/worker.ts';
export { workerStatusSubject } from './worker/heartbeat.ts';
export type { WorkerStatus } from './worker/heartbeat.ts';
export { replayDeadLetter, listDeadLetters, getDeadLetter } from './dead-letters/admin.ts';
export type { DeadLetter } from './dead-letters/admin.ts';
export {
  PermanentError,
  RetryLater,
  TaskTimeoutError,
  PayloadValidationError,
  ProtocolError,
  TaskFailedError,
  TimeoutError,
} from './errors.ts';
export type { DeadReason } from './errors.ts';
export { ResultsDisabledError } from './results.ts';
export { DEFAULT_RETRY_POLICY, backoffDelay, resolveRetryPolicy } from './retry.ts';
export type { Backoff, RetryPolicy, RetryOptions } from './retry.ts';
export type { PayloadSchema, StandardSchemaV1 } from './schema.ts';
export { connectNats, describeConnection } from './connection.ts';
export type { NatsSettings } from './connection.ts';
export {
  HEADERS,
  FINAL_STATES,
  queueNames,
  taskSubject,
  deadLetterSubject,
  isValidQueueName,
  isValidTaskName,
} from './protocol.ts';
export type { QueueNames, ResultRecord, TaskState } from './protocol.ts';
export {
  defaultQueueSettings,
  desiredTaskStream,
  desiredConsumer,
  desiredDeadLetterStream,
  desiredResultBucket,
  ensureQueue,
} from './topology.ts';
export type { QueueSettings } from './topology.ts';
export { DEFAULTS } from './defaults.ts';
