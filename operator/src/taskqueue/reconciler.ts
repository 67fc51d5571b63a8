import { DurationError, ByteSizeError, GROUP_VERSION, queueNameOf, type TaskQueue } from '@celeriac/crds';
import type { Logger } from 'pino';
import { InvalidSpec, RetryLater, type Applier, type ObjectKey, type Reconciler, type Result, type WatchedCache } from '../controller/index.ts';
import type { EventRecorder } from '../kube/events.ts';
import { InvalidNatsUrl, NatsUnavailable } from '../nats/errors.ts';
import type { QueueConnector } from '../nats/queue-connection.ts';
import { QUEUE_FINALIZER, TASK_QUEUE_TYPE, asKube, fromKube } from '../resources.ts';
import { deleteQueue, ensureQueue } from 'celeriac/topology';
import { queueSettingsOf } from './settings.ts';
import { syncPause } from './pause.ts';
import { desiredTaskQueueStatus, type Observation } from './status.ts';
import { removeAllSchedules, syncSchedules } from './schedules.ts';
import { syncRateLimits } from './rate-limits.ts';

export interface TaskQueueReconcilerDeps {
  cache: WatchedCache;
  applier: Applier;
  connector: QueueConnector;
  events: EventRecorder;
  log: Logger;
  /** How often a healthy queue's status (backlog numbers) and JetStream drift are refreshed. */
  refreshMs: number;
  /** Called with each fresh backlog reading (metrics). */
  onState?: (queue: string, namespace: string, backlog: number) => void;
}

/** Delay before looking again at a queue whose NATS is down: short enough to recover quickly. */
const NATS_RETRY_MS = 5_000;

/**
 * TaskQueue -> JetStream: stream, consumer, dead-letter stream, result bucket. Reads like a
 * recipe: get, deletion, desired state, apply, status once.
 */
export class TaskQueueReconciler implements Reconciler {
  private readonly deps: TaskQueueReconcilerDeps;

  constructor(deps: TaskQueueReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: ObjectKey, signal: AbortSignal): Promise<Result> {
    // 1. Get (from the cache: level-triggered, the latest state is all we need).
    const tq = fromKube<TaskQueue>(this.deps.cache.get(key.namespace, key.name));
    if (!tq) {
      // Gone (its finalizer ran): its NATS connection closes unless another queue shares it.
      this.deps.connector.release(key);
      return {};
    }
    const queue = queueNameOf(tq);
    const log = this.deps.log.child({ taskqueue: `${key.namespace}/${key.name}`, queue });

    // 2. Deletion: run the deletion policy, then let Kubernetes remove the object.
    if (tq.metadata.deletionTimestamp) {
      if (!tq.metadata.finalizers?.includes(QUEUE_FINALIZER)) return {};
      if (tq.spec.deletionPolicy === 'Delete') {
        const nc = await this.connect(tq);
        if (signal.aborted) return {}; // leadership ended meanwhile: the new leader acts on a fresh view
        const report = await deleteQueue(nc, queue);
        log.info({ deleted: report.deleted }, 'deleted queue from jetstream');
      } else {
        const nc = await this.connect(tq);
        if (signal.aborted) return {};
        await removeAllSchedules(nc, queue); // a retained queue keeps its tasks, not its ticks
        log.info({}, 'retained queue in jetstream');
      }
      await this.setFinalizer(tq, false);
      return {};
    }
    await this.setFinalizer(tq, true);

    // 3. Desired state (pure), 4. apply it to JetStream.
    let obs: Observation;
    let schedules: Awaited<ReturnType<typeof syncSchedules>> | undefined;
    try {
      const settings = queueSettingsOf(tq);
      const nc = await this.connect(tq);
      // A replica paused past its lease may resume inside this reconcile, its cache older than
      // the new leader's deletions: creating streams now could leave orphans.
      if (signal.aborted) return {};
      // ensureQueue's answer carries the queue's numbers: no second read for the status.
      const { state: synced, ...report } = await ensureQueue(nc, settings);
      const pause = await syncPause(nc, queue, tq.spec.paused, synced.paused);
      const state = pause ? { ...synced, paused: pause === 'paused' } : synced;
      schedules = await syncSchedules(nc, queue, tq, new Date());
      await syncRateLimits(nc, queue, tq);
      obs = { kind: 'synced', report, state };
      if (pause) void this.deps.events.record(asKube(tq), 'Normal', pause === 'paused' ? 'Paused' : 'Resumed', `queue ${pause} (spec.paused)`);
      // One Event for all a sync created (a new queue: streams, consumers, buckets): each is an API write.
      if (report.created.length > 0) void this.deps.events.record(asKube(tq), 'Normal', 'Created', `created ${report.created.join(', ')}`);
      if (report.created.length > 0 || report.updated.length > 0) log.info({ created: report.created, updated: report.updated }, 'synced queue');
      this.deps.onState?.(queue, key.namespace ?? '', state.pending + state.ackPending);
    } catch (e) {
      if (e instanceof DurationError || e instanceof ByteSizeError) obs = { kind: 'invalid-spec', field: 'spec', message: e.message };
      else if (e instanceof InvalidNatsUrl) obs = { kind: 'invalid-nats-url', error: e };
      else if (e instanceof NatsUnavailable) obs = { kind: 'nats-unavailable', message: e.message };
      else obs = { kind: 'sync-failed', message: (e as Error).message };
    }

    // 5. Status, written once.
    const status = { ...desiredTaskQueueStatus(tq, queue, obs, new Date()), ...(schedules ?? keptSchedules(tq)) };
    const wasReady = tq.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    await this.deps.applier.applyStatusIfChanged(TASK_QUEUE_TYPE, key, tq.status, status);
    if (ready && ready.status !== wasReady) {
      // A change of readiness is news; a queue whose creation was just told (Created) is Ready by its status alone.
      const toldCreated = obs.kind === 'synced' && obs.report.created.length > 0 && wasReady === undefined;
      if (!toldCreated || ready.status !== 'True') void this.deps.events.record(asKube(tq), ready.status === 'True' ? 'Normal' : 'Warning', ready.reason, ready.message);
      log.info({ ready: ready.status, reason: ready.reason }, 'queue readiness changed');
    }
    if (obs.kind === 'invalid-spec') throw new InvalidSpec(obs.field, obs.message);
    // A bad URL in the spec waits for an edit; one in a Secret or the operator's settings changes
    // without an event we see, so look again at the normal pace (no connection is attempted).
    if (obs.kind === 'invalid-nats-url') {
      if (obs.error.origin === 'spec') throw new InvalidSpec('spec.nats.url', obs.error.problem);
      throw new RetryLater(this.deps.refreshMs, obs.error.message);
    }
    if (obs.kind !== 'synced') throw new RetryLater(NATS_RETRY_MS, obs.message);
    return { requeueAfter: this.deps.refreshMs };
  }

  private connect(tq: TaskQueue) {
    return this.deps.connector.connect(tq);
  }

  /**
   * Adds or removes our finalizer with server-side apply: we own only our list entry. The uid is
   * a precondition: an apply creates a missing object, so without it a reconcile working from a
   * cache that has not yet seen the queue go would bring it back (with a defaulted spec, whose
   * streams would then be created as orphans). With it the API server answers 409 instead.
   */
  private async setFinalizer(tq: TaskQueue, present: boolean): Promise<void> {
    const has = tq.metadata.finalizers?.includes(QUEUE_FINALIZER) ?? false;
    if (has === present) return;
    await this.deps.applier.apply({
      apiVersion: GROUP_VERSION,
      kind: TASK_QUEUE_TYPE.kind,
      metadata: {
        name: tq.metadata.name,
        namespace: tq.metadata.namespace!,
        ...(tq.metadata.uid ? { uid: tq.metadata.uid } : {}),
        finalizers: present ? [QUEUE_FINALIZER] : [],
      },
    });
  }
}

/** The last schedule status, kept while NATS cannot be read. */
function keptSchedules(tq: TaskQueue) {
  const { scheduleCount, schedules } = tq.status ?? {};
  return { ...(scheduleCount !== undefined ? { scheduleCount } : {}), ...(schedules ? { schedules } : {}) };
}
