import { QUEUE_NAME_RULE, TASK_NAME_RULE } from 'celeriac/protocol';

/** Names of the API: group, version, kinds, plurals. The operator and kubectl address resources by these. */
export const API_GROUP = 'celeriac.dev';
export const API_VERSION = 'v1alpha1';
/** The `apiVersion` field of every Celeriac object. */
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
/** The `categories` entry: `kubectl get celeriac` lists queues and pools together. */
export const CATEGORY = 'celeriac';

export const TASK_QUEUE = {
  kind: 'TaskQueue',
  listKind: 'TaskQueueList',
  plural: 'taskqueues',
  singular: 'taskqueue',
  shortNames: ['tq'],
} as const;

export const WORKER_POOL = {
  kind: 'WorkerPool',
  listKind: 'WorkerPoolList',
  plural: 'workerpools',
  singular: 'workerpool',
  shortNames: ['wp'],
} as const;

/**
 * Queue names become NATS subject tokens and stream names (`CELERIAC_<QUEUE>`), and default to the
 * TaskQueue's metadata.name: so a DNS label, at most 63 characters. Task names are subject tokens
 * separated by dots. The rules are the wire protocol's, so the API server rejects exactly the
 * names the runtime would.
 */
export const QUEUE_NAME_PATTERN = QUEUE_NAME_RULE.pattern;
export const QUEUE_NAME_MAX_LENGTH = QUEUE_NAME_RULE.maxLength;
export const TASK_NAME_PATTERN = TASK_NAME_RULE.pattern;
export const TASK_NAME_MAX_LENGTH = TASK_NAME_RULE.maxLength;
