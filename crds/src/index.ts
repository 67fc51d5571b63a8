/**
 * @celeriac/crds: the TaskQueue and WorkerPool custom resources. Types, the CRD objects, their
 * names, defaults and the parsers of the value formats they use (durations, byte sizes).
 */
export {
  API_GROUP,
  API_VERSION,
  CATEGORY,
  GROUP_VERSION,
  QUEUE_NAME_MAX_LENGTH,
  QUEUE_NAME_PATTERN,
  TASK_NAME_MAX_LENGTH,
  TASK_NAME_PATTERN,
  TASK_QUEUE,
  WORKER_POOL,
} from './names.ts';
export { TASK_QUEUE_CRD, WORKER_POOL_CRD } from './crd.ts';
export type { CustomResourceDefinition, PrinterColumn } from './crd.ts';
export { DURATION_PATTERN, DurationError, isDuration, parseDuration } from './duration.ts';
export { BYTE_SIZE_PATTERN, ByteSizeError, parseByteSize } from './byte-size.ts';
export { TASK_QUEUE_DEFAULTS, WORKER_POOL_DEFAULTS } from './defaults.ts';
export { queueNameOf, withTaskQueueDefaults } from './taskqueue.ts';
export { withWorkerPoolDefaults } from './workerpool.ts';
export type {
  Autoscaling,
  BackoffSpec,
  Condition,
  ObjectMeta,
  RetryPolicySpec,
  TaskQueue,
  TaskQueueInput,
  TaskQueueSpec,
  TaskQueueSpecInput,
  TaskQueueStatus,
  WorkerPool,
  WorkerPoolInput,
  WorkerPoolSpec,
  WorkerPoolSpecInput,
  WorkerPoolStatus,
} from './types.ts';
