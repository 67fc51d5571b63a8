import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { Controller, controllerOwnerKeys, watchSecondary, type Applier, type ControllerMetrics, type WatchedCache } from '../../controller/index.ts';
import type { EventRecorder } from '../../kube/events.ts';
import type { QueueConnector } from '../../nats/queue-connection.ts';
import { AUTOSCALER_FIELD_MANAGER, type ReplicaSetter } from '../../workerpool/replicas.ts';
import { BacklogPoller } from './backlog-poller.ts';
import { AutoscalerMetrics } from './metrics.ts';
import { AutoscaleReconciler } from './reconciler.ts';
import { WorkerMonitor } from './worker-monitor.ts';

export interface AutoscalerDeps {
  /** Applies under AUTOSCALER_FIELD_MANAGER (its status fields, pod annotations). */
  applier: Applier;
  /** Pools decided at once. Default: the controller runtime's. */
  workers?: number;
  pools: WatchedCache;
  queues: WatchedCache;
  deployments: WatchedCache;
  replicas: ReplicaSetter;
  connector: QueueConnector;
  events: EventRecorder;
  registry: Registry;
  metrics: ControllerMetrics;
  log: Logger;
}

/**
 * The autoscaler is a controller like the others (keyed queue, one pool never decided twice at
 * once, runs only on the leader) whose reconcile requeues itself every poll interval.
 */
export function createAutoscaler(deps: AutoscalerDeps): { controller: Controller; close(): Promise<void> } {
  if (deps.applier.fieldManager !== AUTOSCALER_FIELD_MANAGER) throw new Error(`the autoscaler needs field manager ${AUTOSCALER_FIELD_MANAGER}`);
  const monitor = new WorkerMonitor();
  const controller = new Controller({
    name: 'autoscaler',
    primary: deps.pools,
    secondaries: [watchSecondary(deps.deployments, controllerOwnerKeys('WorkerPool'))],
    reconciler: new AutoscaleReconciler({
      pools: deps.pools,
      queues: deps.queues,
      deployments: deps.deployments,
      connector: deps.connector,
      poller: new BacklogPoller(),
      monitor,
      replicas: deps.replicas,
      applier: deps.applier,
      events: deps.events,
      metrics: new AutoscalerMetrics(deps.registry),
      log: deps.log,
    }),
    ...(deps.workers !== undefined ? { workers: deps.workers } : {}),
    metrics: deps.metrics,
    logger: deps.log,
  });
  return {
    controller,
    async close() {
      monitor.close();
    },
  };
}
