import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { Applier, Controller, controllerOwnerKeys, watchSecondary, type ControllerMetrics, type WatchedCache } from '../../controller/index.ts';
import type { EventRecorder } from '../../kube/events.ts';
import type { QueueConnector } from '../../nats/queue-connection.ts';
import { AUTOSCALER_FIELD_MANAGER, type ReplicaSetter } from '../../workerpool/replicas.ts';
import { BacklogPoller } from './backlog-poller.ts';
import { AutoscalerMetrics } from './metrics.ts';
import { AutoscaleReconciler } from './reconciler.ts';
import { WorkerMonitor } from './worker-monitor.ts';

export interface AutoscalerDeps {
  kubeConfig: KubeConfig;
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
      applier: new Applier(deps.kubeConfig, AUTOSCALER_FIELD_MANAGER),
      events: deps.events,
      metrics: new AutoscalerMetrics(deps.registry),
      log: deps.log,
    }),
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
