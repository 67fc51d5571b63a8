/**
 * Celeriac: define tasks, enqueue them, run workers on NATS JetStream. This is the app's API;
 * the operator's plumbing lives in `celeriac/topology`, the wire names in `celeriac/protocol`
 * and test helpers in `celeriac/testing`.
 */
export { declareTask, defineTask } from './task.ts';
export type { DeclaredTask, TaskContext, TaskDefinition, TaskHandler, TaskOptions, PayloadOf, ResultOf } from './task.ts';
export type { ConcurrencyOptions } from './key-concurrency/key.ts';
export { Client } from './client/client.ts';
export type { ClientOptions, EnqueueItem, EnqueueManyOptions, EnqueueOptions, TaskProducer } from './client/client.ts';
export type { TaskHandle } from './client/handle.ts';
export type { AppSchedule, ScheduleOptions } from './client/schedules.ts';
export { PublishRejectedError } from './client/publisher.ts';
export { LaneUnavailableError } from './lanes/routing.ts';
export type { LaneOptions } from './lanes/routing.ts';
export { Worker } from './worker/worker.ts';
export type { WorkerOptions } from './worker/worker.ts';
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
  ScheduleUnsupportedError,
  CancelledError,
  HardTimeLimitError,
  MemoryLimitError,
  IsolatedRunnerError,
} from './errors.ts';
export { cancelTask } from './cancel/request.ts';
export { setRateLimit, removeRateLimit, readRateLimits } from './rate-limit/store.ts';
export type { RateLimitEntry, RateLimitSource } from './rate-limit/store.ts';
export { InvalidRateLimit } from './rate-limit/limit.ts';
export type { RateLimit, RateLimitSpec } from './rate-limit/limit.ts';
export type { CancelOptions, CancelOutcome } from './cancel/request.ts';
export type { DeadReason } from './errors.ts';
export { ResultsDisabledError } from './results.ts';
export { DEFAULT_RETRY_POLICY } from './retry.ts';
export type { Backoff, RetryPolicy, RetryOptions } from './retry.ts';
export type { PayloadSchema, StandardSchemaV1 } from './schema.ts';
export { connectNats } from './connection.ts';
export type { NatsSettings } from './connection.ts';
export type { DeadTruncation, FailedState, ResultRecord, TaskState } from './protocol.ts';
export { defineBatchTask } from './batch/define.ts';
export type { BatchContext, BatchHandler, BatchItem, BatchOptions, BatchResult, BatchTaskDefinition, BatchTaskOptions } from './batch/define.ts';
export { chain, chord, group, sig, startWorkflow, WorkflowFailedError, WorkflowsUnavailableError } from './workflows/index.ts';
export type {
  ChordOptions,
  Flow,
  Group,
  GroupOutcome,
  Link,
  OnError,
  Signature,
  StartWorkflowOptions,
  StepFailure,
  WorkflowHandle,
  WorkflowRecord,
  WorkflowState,
} from './workflows/index.ts';
