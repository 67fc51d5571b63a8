import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { TaskQueue } from '@celeriac/crds';
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import {
  Applier,
  Controller,
  ControllerMetrics,
  Informer,
  Manager,
  TokenBucket,
  shareApiConnections,
  controllerOwnerKeys,
  defaultIdentity,
  startHealthServer,
  watchSecondary,
  type HealthServer,
  type ObjectKey,
} from './controller/index.ts';
import type { OperatorConfig } from './config.ts';
import { EventRecorder } from './kube/events.ts';
import { NatsConnections } from './nats/connections.ts';
import { QueueConnector } from './nats/queue-connection.ts';
import { OPERATOR_URL_SOURCE } from './nats/target.ts';
import { natsServerUrls } from './nats/url.ts';
import { DEPLOYMENT_TYPE, TASK_QUEUE_TYPE, WORKER_POOL_TYPE, fromKube } from './resources.ts';
import { TaskQueueReconciler } from './taskqueue/reconciler.ts';
import { poolsOfQueue } from './workerpool/pool-queue.ts';
import { cachedDeployment } from './workerpool/cached-deployment.ts';
import { WorkerPoolReconciler } from './workerpool/reconciler.ts';
import { AUTOSCALER_FIELD_MANAGER, ReplicaSetter } from './workerpool/replicas.ts';
import { createAutoscaler } from './autoscale/io/controller.ts';

export interface RunningOperator {
  readonly manager: Manager;
  readonly health: HealthServer;
  readonly registry: Registry;
  stop(): Promise<void>;
}

/** Wires informers, reconcilers, the autoscaler, leader election and the health server. */
export async function startOperator(config: OperatorConfig, kc: KubeConfig, log: Logger, opts: { identity?: string } = {}): Promise<RunningOperator> {
  shareApiConnections(kc);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new ControllerMetrics(registry);
  const queueDepth = new Gauge({ name: 'celeriac_queue_backlog', help: 'Tasks waiting or running, per queue', labelNames: ['namespace', 'queue'], registers: [registry] });
  const ns = config.watchNamespace || undefined;
  const informer = (type: typeof TASK_QUEUE_TYPE, opts: { labelSelector?: string; transform?: (obj: KubernetesObject) => KubernetesObject } = {}) =>
    new Informer({ kubeConfig: kc, type, ...(ns ? { namespace: ns } : {}), ...opts, logger: log });
  const queues = informer(TASK_QUEUE_TYPE);
  const pools = informer(WORKER_POOL_TYPE);
  const deployments = informer(DEPLOYMENT_TYPE, { labelSelector: 'app.kubernetes.io/managed-by=celeriac-operator', transform: cachedDeployment });

  // One limit for every write the operator makes (applies, status, replicas, Events).
  const writeLimit = new TokenBucket({ qps: config.apiWriteQps, burst: config.apiWriteBurst });
  const applier = new Applier(kc, undefined, writeLimit);
  const autoscalerApplier = new Applier(kc, AUTOSCALER_FIELD_MANAGER, writeLimit);
  const replicas = new ReplicaSetter(autoscalerApplier);
  const events = new EventRecorder(kc, 'celeriac-operator', log, { writeLimit });
  const connections = new NatsConnections(log.child({ component: 'nats' }));
  new Gauge({
    name: 'celeriac_operator_nats_connections',
    help: "NATS connections open or opening: the operator's own and one per distinct queue url and Secret in use",
    registers: [registry],
    collect() {
      this.set(connections.size);
    },
  });
  const connector = new QueueConnector(kc, connections, config.nats, queues);
  // Not fatal: queues with their own url keep working, the others say why in their status.
  try {
    natsServerUrls(config.nats.servers, OPERATOR_URL_SOURCE);
  } catch (e) {
    log.error({ error: (e as Error).message }, 'invalid nats url in the operator settings');
  }

  const queueController = new Controller({
    name: 'taskqueue',
    primary: queues,
    // Its own status writes (each backlog change) and finalizer patch need no second pass: the
    // refresh (requeueAfter) and resyncs look at NATS at their own pace.
    ignoreStatusUpdates: true,
    reconciler: new TaskQueueReconciler({
      cache: queues,
      applier,
      connector,
      events,
      log: log.child({ controller: 'taskqueue' }),
      refreshMs: config.queueRefreshMs,
      onState: (queue, namespace, backlog) => queueDepth.set({ namespace, queue }, backlog),
    }),
    workers: config.reconcileWorkers,
    metrics,
    logger: log,
  });

  // A queue appearing or changing concerns the pools that name it.
  const poolKeysOfQueue = (obj: KubernetesObject): ObjectKey[] => {
    const tq = fromKube<TaskQueue>(obj)!;
    return poolsOfQueue(pools, tq).map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name }));
  };
  const poolController = new Controller({
    name: 'workerpool',
    primary: pools,
    // A pool's Deployment follows its queue's spec, never its status (backlog, conditions).
    secondaries: [watchSecondary(deployments, controllerOwnerKeys('WorkerPool')), watchSecondary(queues, poolKeysOfQueue, { ignoreStatusUpdates: true })],
    ignoreStatusUpdates: true,
    reconciler: new WorkerPoolReconciler({
      pools,
      queues,
      deployments,
      applier,
      replicas,
      events,
      log: log.child({ controller: 'workerpool' }),
      defaultNatsUrl: config.workerNatsUrl,
    }),
    workers: config.reconcileWorkers,
    metrics,
    logger: log,
  });
  const autoscaler = createAutoscaler({ applier: autoscalerApplier, workers: config.reconcileWorkers, pools, queues, deployments, replicas, connector, events, registry, log: log.child({ controller: 'autoscaler' }), metrics });

  const manager = new Manager({
    informers: [queues, pools, deployments],
    controllers: [queueController, poolController, autoscaler.controller],
    ...(config.leaderElection.enabled
      ? {
          leaderElection: {
            kubeConfig: kc,
            namespace: config.leaderElection.namespace,
            name: config.leaderElection.leaseName,
            identity: opts.identity ?? defaultIdentity(),
            leaseDurationMs: config.leaderElection.leaseDurationMs,
            renewDeadlineMs: config.leaderElection.renewDeadlineMs,
            retryPeriodMs: config.leaderElection.retryPeriodMs,
          },
        }
      : {}),
    metrics,
    logger: log,
    // A standby reconciles nothing, so it would never notice a rotated Secret: close the queues'
    // connections; the next leadership opens them afresh from the current Secrets.
    onStoppedLeading: () => connections.closeAll(),
  });
  const health = await startHealthServer({ host: config.httpHost, port: config.httpPort, ready: () => manager.ready(), registry, logger: log });
  const abort = new AbortController();
  const running = manager.run(abort.signal).catch((err: unknown) => log.error({ err }, 'manager failed'));
  log.info({ namespace: config.watchNamespace || '(all)', port: health.port, leaderElection: config.leaderElection.enabled }, 'operator started');
  return {
    manager,
    health,
    registry,
    async stop() {
      abort.abort();
      await running;
      await autoscaler.close();
      await connections.closeAll();
      await health.close();
    },
  };
}
