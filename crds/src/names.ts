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
 * TaskQueue's metadata.name: so a DNS label, at most 63 characters. Same rule as the runtime's
 * protocol.ts.
 */
export const QUEUE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const QUEUE_NAME_MAX_LENGTH = 63;

/** Task names are subject tokens separated by dots: no wildcards, no whitespace. Same as protocol.ts. */
export const TASK_NAME_PATTERN = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$';
export const TASK_NAME_MAX_LENGTH = 200;
