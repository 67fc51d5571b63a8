/**
 * TypeScript types of the resources, derived from the schema definitions so they cannot drift.
 * Plain names (`TaskQueueSpec`) are the stored shape the operator reads: defaults filled in by the
 * API server. `...Input` names are what a manifest or a client may write.
 */
import type { condition } from './conditions.ts';
import type { GROUP_VERSION, TASK_QUEUE, WORKER_POOL } from './names.ts';
import type { backoff, retryPolicy } from './retry-policy.ts';
import type { Authored, Stored } from './schema.ts';
import type { taskQueueSpec, taskQueueStatus } from './taskqueue.ts';
import type { workerPoolSpec, workerPoolStatus } from './workerpool.ts';

export type TaskQueueSpec = Stored<typeof taskQueueSpec>;
export type TaskQueueSpecInput = Authored<typeof taskQueueSpec>;
export type TaskQueueStatus = Stored<typeof taskQueueStatus>;
export type WorkerPoolSpec = Stored<typeof workerPoolSpec>;
export type WorkerPoolSpecInput = Authored<typeof workerPoolSpec>;
export type WorkerPoolStatus = Stored<typeof workerPoolStatus>;
export type RetryPolicySpec = Stored<typeof retryPolicy>;
export type BackoffSpec = Stored<typeof backoff>;
export type Condition = Stored<typeof condition>;
export type Autoscaling = WorkerPoolSpec['autoscaling'];

/** The metadata fields Celeriac reads or sets; the API server returns more. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface TaskQueue {
  apiVersion: typeof GROUP_VERSION;
  kind: typeof TASK_QUEUE.kind;
  metadata: ObjectMeta;
  spec: TaskQueueSpec;
  status?: TaskQueueStatus;
}

export interface WorkerPool {
  apiVersion: typeof GROUP_VERSION;
  kind: typeof WORKER_POOL.kind;
  metadata: ObjectMeta;
  spec: WorkerPoolSpec;
  status?: WorkerPoolStatus;
}

/** A TaskQueue as written in a manifest (spec may be omitted: every field has a default or is optional). */
export interface TaskQueueInput {
  apiVersion: typeof GROUP_VERSION;
  kind: typeof TASK_QUEUE.kind;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: TaskQueueSpecInput;
}

export interface WorkerPoolInput {
  apiVersion: typeof GROUP_VERSION;
  kind: typeof WORKER_POOL.kind;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: WorkerPoolSpecInput;
}
