import type { KubernetesObject } from '@kubernetes/client-node';
import type { BackoffPolicy } from './backoff.ts';
import { defaults } from './defaults.ts';
import type { InformerHandler, WatchedCache } from './informer.ts';
import { silentLogger, type Logger } from './log.ts';
import type { ControllerMetrics, ReconcileResultLabel } from './metrics.ts';
import { formatKey, keyOf, parseKey, type ObjectKey } from './object-key.ts';
import { outcomeOf, type Outcome, type Reconciler, type Result } from './reconciler.ts';
import { SpecChanges } from './spec-changes.ts';
import { WorkQueue } from './workqueue.ts';

/** Another kind whose changes concern objects of the controller's kind (e.g. owned Deployments). */
export interface SecondaryWatch {
  readonly informer: WatchedCache;
  /** Keys of the controller's objects that a change to `obj` concerns. */
  readonly toKeys: (obj: KubernetesObject) => ObjectKey[];
  /** Only its spec and existence concern them: status-only updates are ignored (SpecChanges). */
  readonly ignoreStatusUpdates?: boolean;
}

/** Typed constructor for a SecondaryWatch. */
export function watchSecondary<T extends KubernetesObject>(
  informer: WatchedCache<T>,
  toKeys: (obj: T) => ObjectKey[],
  opts: { ignoreStatusUpdates?: boolean } = {},
): SecondaryWatch {
  return { informer: informer as unknown as WatchedCache, toKeys: toKeys as (obj: KubernetesObject) => ObjectKey[], ...opts };
}

/** Maps an object to the owner of `ownerKind` that controls it (same namespace, by convention). */
export function controllerOwnerKeys(ownerKind: string): (obj: KubernetesObject) => ObjectKey[] {
  return (obj) =>
    (obj.metadata?.ownerReferences ?? [])
      .filter((ref) => ref.controller && ref.kind === ownerKind)
      .map((ref) => ({ namespace: obj.metadata?.namespace, name: ref.name }));
}

export interface ControllerOptions<T extends KubernetesObject> {
  /** Names the controller in logs and metrics, e.g. 'taskqueue'. */
  name: string;
  /** The kind reconciled: each of its objects is one key. */
  primary: WatchedCache<T>;
  secondaries?: readonly SecondaryWatch[];
  reconciler: Reconciler;
  /**
   * Reconcile on a primary object's update only when its spec (generation) or deletion mark
   * changed, not on its status (SpecChanges). For reconcilers whose outcome does not depend on
   * their object's status. Default: false.
   */
  ignoreStatusUpdates?: boolean;
  /** Default: `defaults.workers`. */
  workers?: number;
  /** Default: `defaults.resyncPeriodMs`. */
  resyncPeriodMs?: number;
  /** Default: `defaults.queueBackoff`. */
  backoff?: BackoffPolicy;
  metrics?: ControllerMetrics;
  logger?: Logger;
}

const resultLabels: Record<Outcome['kind'], ReconcileResultLabel> = {
  done: 'success',
  'requeue-after': 'requeue_after',
  'retry-later': 'retry_later',
  'invalid-spec': 'invalid_spec',
  backoff: 'error',
};

interface Run {
  readonly abort: AbortController;
  readonly queue: WorkQueue;
  readonly cleanups: Array<() => void>;
  workers: Array<Promise<void>>;
}

/**
 * Wires informers to a workqueue to a reconciler, like a controller-runtime controller: events and
 * periodic resyncs enqueue keys, N workers reconcile them (one key never twice at once), and the
 * outcome decides the key's next visit. Can be started again after `stop` (e.g. when leadership
 * comes back); each run gets a fresh queue.
 */
export class Controller<T extends KubernetesObject = KubernetesObject> {
  readonly name: string;
  readonly #primary: WatchedCache<T>;
  readonly #secondaries: readonly SecondaryWatch[];
  readonly #specChanges: SpecChanges | undefined;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #resyncPeriodMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #metrics: ControllerMetrics | undefined;
  readonly #log: Logger;
  /** Keys whose spec was invalid, with the generation that was: skipped until it changes. */
  readonly #invalid = new Map<string, number | undefined>();
  #run: Run | undefined;

  constructor(opts: ControllerOptions<T>) {
    this.name = opts.name;
    this.#primary = opts.primary;
    this.#secondaries = opts.secondaries ?? [];
    this.#specChanges = opts.ignoreStatusUpdates ? new SpecChanges() : undefined;
    this.#reconciler = opts.reconciler;
    this.#workers = opts.workers ?? defaults.workers;
    this.#resyncPeriodMs = opts.resyncPeriodMs ?? defaults.resyncPeriodMs;
    this.#backoff = opts.backoff ?? defaults.queueBackoff;
    this.#metrics = opts.metrics;
    this.#log = (opts.logger ?? silentLogger).child({ controller: opts.name });
  }

  get running(): boolean {
    return this.#run !== undefined;
  }

  /**
   * Subscribes to the informers (which the caller starts), waits for their caches, enqueues every
   * object and starts the workers. Resolves once running; rejects if `stop` comes first.
   */
  async start(): Promise<void> {
    if (this.#run) throw new Error(`controller ${this.name} already running`);
    const run: Run = { abort: new AbortController(), queue: new WorkQueue({ backoff: this.#backoff }), cleanups: [], workers: [] };
    this.#run = run;
    const enqueueAll = (): void => this.#enqueueAll(run.queue);
    run.cleanups.push(
      this.#primary.addHandler({
        ...changeHandlers(this.#specChanges, (obj) => this.#enqueue(run.queue, keyOf(obj)), (obj) => this.#invalid.delete(formatKey(keyOf(obj)))),
        restarted: enqueueAll,
      }),
    );
    for (const { informer, toKeys, ignoreStatusUpdates } of this.#secondaries) {
      const specs = ignoreStatusUpdates ? new SpecChanges() : undefined;
      const enqueueOwners = (obj: KubernetesObject): void => {
        for (const key of toKeys(obj)) this.#enqueue(run.queue, key);
      };
      run.cleanups.push(informer.addHandler({ ...changeHandlers(specs, enqueueOwners), restarted: enqueueAll }));
    }
    if (this.#metrics) run.cleanups.push(this.#metrics.trackQueueDepth(this.name, () => run.queue.length));

    const informers = [this.#primary, ...this.#secondaries.map((s) => s.informer)];
    await Promise.all(informers.map((i) => i.waitForSync(run.abort.signal)));

    enqueueAll();
    const resync = setInterval(enqueueAll, this.#resyncPeriodMs);
    run.cleanups.push(() => clearInterval(resync));
    run.workers = Array.from({ length: this.#workers }, () => this.#work(run));
    this.#log.info({ workers: this.#workers, objects: this.#primary.list().length }, 'controller started');
  }

  /** Stops handing out keys, aborts running reconciles' signal and waits for them to return. */
  async stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.abort.abort(new Error(`controller ${this.name} stopped`));
    for (const cleanup of run.cleanups) cleanup();
    await run.queue.shutDown();
    await Promise.all(run.workers);
    this.#run = undefined;
    this.#log.info('controller stopped');
  }

  /** Asks for a reconcile of `key` (e.g. from an external event source). */
  enqueue(key: ObjectKey): void {
    if (this.#run) this.#enqueue(this.#run.queue, key);
  }

  #enqueueAll(queue: WorkQueue): void {
    for (const obj of this.#primary.list()) this.#enqueue(queue, keyOf(obj));
  }

  #enqueue(queue: WorkQueue, key: ObjectKey): void {
    const k = formatKey(key);
    if (this.#invalid.has(k) && this.#invalid.get(k) === this.#generation(key)) return;
    queue.add(k);
  }

  #generation(key: ObjectKey): number | undefined {
    return this.#primary.get(key.namespace, key.name)?.metadata?.generation;
  }

  async #work(run: Run): Promise<void> {
    for (let key = await run.queue.get(); key !== undefined; key = await run.queue.get()) {
      try {
        await this.#reconcileOne(run, key);
      } finally {
        run.queue.done(key);
      }
    }
  }

  async #reconcileOne(run: Run, key: string): Promise<void> {
    const objectKey = parseKey(key);
    const started = performance.now();
    let settled: { result: Result } | { error: unknown };
    try {
      settled = { result: (await this.#reconciler.reconcile(objectKey, run.abort.signal)) ?? {} };
    } catch (error) {
      settled = { error };
    }
    const seconds = (performance.now() - started) / 1000;
    const outcome = outcomeOf(settled);
    this.#metrics?.observeReconcile(this.name, resultLabels[outcome.kind], seconds);
    // Stopping: whoever runs next relists and reconciles everything, so drop the key.
    if (run.abort.signal.aborted) return;

    const { queue } = run;
    const log = this.#log.child({ key, ms: Math.round(seconds * 1000) });
    switch (outcome.kind) {
      case 'done':
      case 'requeue-after':
        queue.forget(key);
        this.#invalid.delete(key);
        if (outcome.kind === 'requeue-after') queue.addAfter(key, outcome.delayMs);
        log.debug({ requeueAfterMs: outcome.kind === 'requeue-after' ? outcome.delayMs : undefined }, 'reconciled');
        return;
      case 'retry-later':
        queue.forget(key);
        queue.addAfter(key, outcome.delayMs);
        log.info({ reason: outcome.reason, delayMs: outcome.delayMs }, 'reconcile waits for a dependency');
        return;
      case 'invalid-spec':
        queue.forget(key);
        this.#invalid.set(key, this.#generation(objectKey));
        log.warn({ field: outcome.field, reason: outcome.reason }, 'invalid spec, waiting for a change');
        return;
      case 'backoff': {
        const delayMs = queue.addRateLimited(key);
        log.error({ err: outcome.error, delayMs, retries: queue.retries(key) }, 'reconcile failed, retrying');
        return;
      }
    }
  }
}

/**
 * add/update/delete handlers that call `enqueue`; with `specs`, an update only when the object's
 * spec or deletion mark changed (SpecChanges), and a deletion forgets it. `onDelete` runs first.
 */
function changeHandlers(
  specs: SpecChanges | undefined,
  enqueue: (obj: KubernetesObject) => void,
  onDelete?: (obj: KubernetesObject) => void,
): Required<Pick<InformerHandler<KubernetesObject>, 'add' | 'update' | 'delete'>> {
  return {
    add: (obj) => {
      specs?.changed(obj);
      enqueue(obj);
    },
    update: (obj) => {
      if (!specs || specs.changed(obj)) enqueue(obj);
    },
    delete: (obj) => {
      specs?.forget(obj);
      onDelete?.(obj);
      enqueue(obj);
    },
  };
}
