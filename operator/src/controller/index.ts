// The controller runtime: generic machinery around a Reconciler (queue, informers, leader
// election, server-side apply, health and metrics). It knows nothing of TaskQueues or workers.
export { Applier } from './apply.ts';
export { exponentialDelay, KeyedBackoff, type BackoffPolicy } from './backoff.ts';
export {
  findCondition,
  isConditionTrue,
  metaTime,
  setCondition,
  type Condition,
  type ConditionStatus,
  type ConditionUpdate,
} from './conditions.ts';
export {
  Controller,
  controllerOwnerKeys,
  watchSecondary,
  type ControllerOptions,
  type SecondaryWatch,
} from './controller.ts';
export { defaults } from './defaults.ts';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health-server.ts';
export { Informer, type InformerHandler, type InformerOptions, type WatchedCache } from './informer.ts';
export { KubeHttpError, statusCodeOf } from './kube-http.ts';
export { defaultIdentity, LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
export { Manager, type ManagerOptions } from './manager.ts';
export { ControllerMetrics, type ReconcileResultLabel } from './metrics.ts';
export { formatKey, keyOf, parseKey, type ObjectKey } from './object-key.ts';
export {
  InvalidSpec,
  outcomeOf,
  RetryLater,
  TransientError,
  type Outcome,
  type Reconciler,
  type Result,
} from './reconciler.ts';
export { apiVersionOf, collectionPath, objectPath, type ResourceType } from './resource.ts';
export { shareApiConnections } from './shared-connections.ts';
export { trimMetadata } from './trim.ts';
export { statusChanged } from './status-change.ts';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export { WorkQueue, type WorkQueueOptions } from './workqueue.ts';
