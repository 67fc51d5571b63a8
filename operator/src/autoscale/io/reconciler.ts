import type { V1Deployment } from '@kubernetes/client-node';
import type { WorkerPool, WorkerPoolStatus } from '@celeriac/crds';
import { queueNameOf } from '@celeriac/crds';
import type { Logger } from 'pino';
import type { Applier, ObjectKey, Reconciler, Result, WatchedCache } from '../../controller/index.ts';
import type { EventRecorder } from '../../kube/events.ts';
import type { QueueConnector } from '../../nats/queue-connection.ts';
import { WORKER_POOL_TYPE, asKube, fromKube } from '../../resources.ts';
import { poolsOfQueue, queueOfPool } from '../../workerpool/pool-queue.ts';
import type { ReplicaSetter } from '../../workerpool/replicas.ts';
import type { BacklogPoller } from './backlog-poller.ts';
import { decide, holdOnError } from '../model/decide.ts';
import { INITIAL_SCALING_STATE, type Decision, type ScalingState } from '../model/decision.ts';
import type { AutoscalerMetrics } from './metrics.ts';
import { policyOf } from '../model/pool-policy.ts';
import { queueShare } from '../model/queue-share.ts';
import { INITIAL_RATE_ESTIMATES, updateRates, type RateEstimates } from '../model/rates.ts';
import type { WorkerMonitor } from './worker-monitor.ts';
import { markDeletionCosts } from './deletion-cost.ts';

export interface AutoscaleDeps {
  pools: WatchedCache;
  queues: WatchedCache;
  deployments: WatchedCache;
  connector: QueueConnector;
  poller: BacklogPoller;
  monitor: WorkerMonitor;
  replicas: ReplicaSetter;
  /** Applies under the autoscaler's field manager (its status fields, pod annotations). */
  applier: Applier;
  events: EventRecorder;
  metrics: AutoscalerMetrics;
  log: Logger;
}

/** Status writes are throttled: a pool's numbers change every second, the API server need not know. */
const STATUS_EVERY_MS = 5_000;

interface PoolMemory {
  rates: RateEstimates;
  scaling: ScalingState;
  statusAt: number;
}

/**
 * Scales one pool: read the backlog (shared poll per queue), estimate rates, decide (pure), mark
 * idle pods cheapest to delete before scaling in, set replicas, report. Requeues itself every
 * poll interval, so a burst is acted on within one interval, not after an HPA sync.
 */
export class AutoscaleReconciler implements Reconciler {
  private readonly deps: AutoscaleDeps;
  private readonly memory = new Map<string, PoolMemory>();
  /** The leadership term the memory was built in (the controller's run signal). */
  private term: AbortSignal | undefined;

  constructor(deps: AutoscaleDeps) {
    this.deps = deps;
  }

  async reconcile(key: ObjectKey, signal: AbortSignal): Promise<Result> {
    // A new term starts from the Deployments as they are: what this replica remembers from an
    // earlier term (idle clocks, recommendations) is older than the other leader's decisions.
    if (signal !== this.term) {
      this.memory.clear();
      this.term = signal;
    }
    const id = `${key.namespace}/${key.name}`;
    const pool = fromKube<WorkerPool>(this.deps.pools.get(key.namespace, key.name));
    if (!pool || pool.metadata.deletionTimestamp || !pool.spec.autoscaling.enabled) {
      this.memory.delete(id);
      return {};
    }
    const policy = policyOf(pool);
    const tq = queueOfPool(this.deps.queues, pool);
    const deployment = fromKube<V1Deployment>(this.deps.deployments.get(key.namespace, key.name));
    if (!tq || !deployment) return { requeueAfter: policy.pollIntervalMs };

    const queue = queueNameOf(tq);
    const onQueue = poolsOfQueue(this.deps.pools, tq);
    const share = queueShare(pool, onQueue);
    // Completions are counted per queue, so throughput per replica divides by every ready
    // worker pod on the queue, whichever pool (autoscaled or fixed) it belongs to.
    const readyOnQueue = onQueue.reduce(
      (sum, p) => sum + (fromKube<V1Deployment>(this.deps.deployments.get(key.namespace, p.metadata.name))?.status?.readyReplicas ?? 0),
      0,
    );
    const mem = this.memory.get(id) ?? { rates: INITIAL_RATE_ESTIMATES, scaling: INITIAL_SCALING_STATE, statusAt: 0 };
    const current = deployment.spec?.replicas ?? 0;
    const ready = deployment.status?.readyReplicas ?? 0;
    const now = Date.now();
    // One decision per poll interval. Our own replica write comes back as a Deployment event;
    // deciding again on it would take the next step at once, so a step-limited scale-down would
    // shed several replicas within a second.
    const sinceLast = now - (mem.scaling.last?.at ?? Number.NEGATIVE_INFINITY);
    if (sinceLast < policy.pollIntervalMs) return { requeueAfter: policy.pollIntervalMs - sinceLast };
    let decision: Decision;
    let backlog: number | undefined;
    try {
      const nc = await this.deps.connector.connect(tq);
      this.deps.monitor.watch(nc, queue);
      const { at, state } = await this.deps.poller.read(nc, queue, policy.pollIntervalMs / 2, now);
      backlog = state.pending + state.ackPending;
      const completedTotal = this.deps.monitor.completedTotal(queue, now);
      mem.rates = updateRates(mem.rates, {
        at,
        lastSeq: state.lastSeq,
        backlog,
        inFlight: state.ackPending,
        readyReplicas: readyOnQueue,
        ...(completedTotal !== undefined ? { completedTotal } : {}),
      });
      // With other autoscaled pools on the queue, this one sizes itself for its share only.
      decision = decide(
        {
          now,
          backlog: backlog * share,
          inFlight: state.ackPending * share,
          currentReplicas: current,
          readyReplicas: ready,
          concurrencyPerReplica: pool.spec.concurrency,
          ...(mem.rates.arrivalRate !== undefined ? { arrivalRate: mem.rates.arrivalRate * share } : {}),
          ...(mem.rates.throughputPerReplica !== undefined ? { throughputPerReplica: mem.rates.throughputPerReplica } : {}),
          history: mem.scaling,
          paused: state.paused === true,
        },
        policy,
      );
    } catch (err) {
      // NATS unreachable: hold the last decision rather than scale on no information.
      decision = holdOnError(mem.scaling, now, current, (err as Error).message);
      this.deps.log.warn({ pool: id, error: (err as Error).message }, 'cannot read backlog; holding replicas');
    }
    mem.scaling = decision.nextState;
    this.memory.set(id, mem);
    this.deps.metrics.observe(key.namespace ?? '', key.name, { backlog, desired: decision.replicas, current, ready });

    // Leadership ended while we read the backlog (a replica paused past its lease resumes with a
    // reconcile already started): the decision rests on a stale view and the new leader's own.
    if (signal.aborted) return {};
    if (decision.replicas !== current) {
      if (decision.replicas < current) await markDeletionCosts(this.deps.applier, key.namespace!, this.deps.monitor.workers(queue, now));
      await this.deps.replicas.set(key.namespace!, key.name, decision.replicas);
      this.deps.metrics.scaled(key.namespace ?? '', key.name, decision.replicas > current ? 'up' : 'down');
      this.deps.log.info({ pool: id, from: current, to: decision.replicas, reason: decision.reason, backlog }, 'scaled pool');
      void this.deps.events.record(asKube(pool), 'Normal', 'Scaled', `${current} -> ${decision.replicas}: ${decision.message}`);
    }
    // The first status waits for the arrival rate (the second poll, a second later): written with
    // the backlog alone it would be written again with the rate, a write per pool in a mass apply.
    if (decision.replicas !== current || (now - mem.statusAt >= STATUS_EVERY_MS && (mem.rates.arrivalRate !== undefined || backlog === undefined))) {
      mem.statusAt = now;
      await this.writeStatus(key, pool, decision, current, backlog, mem.rates, now);
    }
    return { requeueAfter: policy.pollIntervalMs };
  }

  private async writeStatus(key: ObjectKey, pool: WorkerPool, d: Decision, current: number, backlog: number | undefined, rates: RateEstimates, now: number) {
    const status: Partial<WorkerPoolStatus> = {
      ...(backlog !== undefined ? { backlog } : {}),
      ...(rates.arrivalRate !== undefined ? { arrivalRate: round(rates.arrivalRate) } : {}),
      ...(rates.throughputPerReplica !== undefined ? { throughputPerReplica: round(rates.throughputPerReplica) } : {}),
    };
    if (d.replicas !== current) {
      status.lastScale = { time: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'), from: current, to: d.replicas, reason: d.message };
    } else if (pool.status?.lastScale) {
      status.lastScale = pool.status.lastScale; // keep owning it, or server-side apply would drop it
    }
    try {
      await this.deps.applier.applyStatusIfChanged(WORKER_POOL_TYPE, key, pool.status, status, { skipWhenLimited: d.replicas === current });
    } catch (err) {
      this.deps.log.warn({ err, pool: key.name }, 'could not write autoscaler status');
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
