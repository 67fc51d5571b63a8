import { setTimeout as sleep } from 'node:timers/promises';
import {
  ADD,
  DELETE,
  ERROR,
  ListWatch,
  UPDATE,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { exponentialDelay, type BackoffPolicy } from './backoff.ts';
import { defaults } from './defaults.ts';
import { getJson } from './kube-http.ts';
import { silentLogger, type Logger } from './log.ts';
import { collectionPath, type ResourceType } from './resource.ts';
import { trimMetadata } from './trim.ts';

export interface InformerOptions<T extends KubernetesObject = KubernetesObject> {
  kubeConfig: KubeConfig;
  type: ResourceType;
  /** Watch one namespace only; default: all namespaces (or cluster-scoped objects). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Delay between restarts after failures. Default: `defaults.informerRestartBackoff`. */
  restartBackoff?: BackoffPolicy;
  logger?: Logger;
  /**
   * Applied to every object before it is cached and handed to handlers: drop what the operator
   * never reads, so the cache of 1,000 objects stays small. Default: `trimMetadata`.
   */
  transform?: (obj: T) => T;
}

/**
 * A Watch that transforms each object before ListWatch caches it (client-node's ListWatch has no
 * transform hook; its watch callback is the one way in).
 */
class TransformingWatch<T> extends Watch {
  readonly #transform: (obj: T) => T;
  constructor(kc: KubeConfig, transform: (obj: T) => T) {
    super(kc);
    this.#transform = transform;
  }
  override watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // ERROR carries a Status, BOOKMARK only a resourceVersion: pass them on as they are.
    const transformed = (phase: string, obj: unknown, watchObj?: unknown): void =>
      callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.#transform(obj as T) : obj, watchObj);
    return super.watch(path, query, transformed, done);
  }
}

/** Callbacks for cache changes. Handlers run synchronously inside the watch: keep them cheap. */
export interface InformerHandler<T> {
  add?(obj: T): void;
  update?(obj: T): void;
  delete?(obj: T): void;
  /**
   * The informer recovered from a failure. The cache is consistent again, but a controller should
   * not trust that it saw every change: reconcile everything.
   */
  restarted?(): void;
}

/** The part of an informer a controller uses: a synced cache with change notifications. */
export interface WatchedCache<T extends KubernetesObject = KubernetesObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
  addHandler(handler: InformerHandler<T>): () => void;
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/**
 * A list-watch cache of one resource type that keeps itself running.
 *
 * client-node's ListWatch stops for good on any error (a failed list, a refused or broken watch)
 * and reports it as an `error` event; its own `stop()` emits an `error` too (the aborted request).
 * This wrapper restarts it with exponential backoff after failures and ignores the error a
 * deliberate stop causes. A restart resumes the watch from the last resourceVersion, so the
 * API server replays what was missed, or answers 410 Gone and ListWatch relists (emitting deletes
 * for objects that vanished meanwhile).
 */
export class Informer<T extends KubernetesObject = KubernetesObject> implements WatchedCache<T> {
  readonly type: ResourceType;
  readonly #lw: ListWatch<T>;
  readonly #log: Logger;
  readonly #backoff: BackoffPolicy;
  readonly #handlers = new Set<InformerHandler<T>>();
  readonly #stop = new AbortController();
  #listed = false;
  #synced = false;
  readonly #syncWaiters: Array<() => void> = [];
  /** Settles when the current run of the ListWatch fails (or on stop). */
  #failure: PromiseWithResolvers<unknown> = Promise.withResolvers();
  #failed = false;
  #running: Promise<void> | undefined;
  #restarts = 0;

  constructor(opts: InformerOptions<T>) {
    this.type = opts.type;
    this.#log = (opts.logger ?? silentLogger).child({ informer: opts.type.plural, namespace: opts.namespace });
    this.#backoff = opts.restartBackoff ?? defaults.informerRestartBackoff;
    const path = collectionPath(opts.type, opts.namespace);
    const transform = opts.transform ?? trimMetadata;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await getJson<KubernetesListObject<T>>(opts.kubeConfig, path, {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
      });
      this.#listed = true;
      return { ...result, items: result.items.map(transform) };
    };
    const watch = new TransformingWatch<T>(opts.kubeConfig, transform);
    this.#lw = new ListWatch<T>(path, watch, list, false, opts.labelSelector, opts.fieldSelector);
    this.#lw.on(ADD, (obj) => this.#emit('add', obj));
    this.#lw.on(UPDATE, (obj) => this.#emit('update', obj));
    this.#lw.on(DELETE, (obj) => this.#emit('delete', obj));
    this.#lw.on(ERROR, (err: unknown) => this.#fail(err));
  }

  /** Starts listing and watching in the background; see `waitForSync`. */
  start(): void {
    if (this.#running) throw new Error('informer already started');
    this.#running = this.#supervise();
  }

  /** Stops watching for good. The cache keeps its last contents. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#failure.resolve(undefined);
    await this.#lw.stop();
    await this.#running;
  }

  /** True once the first list has filled the cache (stays true across restarts). */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the cache is filled; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** How many times the informer was restarted after a failure. */
  get restarts(): number {
    return this.#restarts;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#lw.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#lw.list(namespace);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  addHandler(handler: InformerHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async #supervise(): Promise<void> {
    const stopped = this.#stop.signal;
    let failures = 0;
    for (let attempt = 0; !stopped.aborted; attempt++) {
      const startedAt = Date.now();
      const failure = (this.#failure = Promise.withResolvers());
      this.#failed = false;
      try {
        // Resolves once the list is done and the watch request answered (or failed).
        await this.#lw.start();
      } catch (err) {
        this.#fail(err);
      }
      if (this.#listed) this.#markSynced();
      if (attempt > 0 && !this.#failed && !stopped.aborted) this.#notifyRestarted();

      const err = await failure.promise;
      if (stopped.aborted) return;
      // A watch that ran for longer than the longest backoff was healthy: start counting afresh.
      if (Date.now() - startedAt > this.#backoff.maxMs) failures = 0;
      const delayMs = exponentialDelay(failures++, this.#backoff);
      this.#restarts++;
      this.#log.warn({ err, delayMs, restarts: this.#restarts }, 'informer failed, restarting');
      try {
        await sleep(delayMs, undefined, { signal: stopped });
      } catch {
        return;
      }
    }
  }

  #fail(err: unknown): void {
    this.#failed = true;
    this.#failure.resolve(err);
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.#log.debug({ objects: this.#lw.list().length }, 'informer synced');
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }

  #notifyRestarted(): void {
    this.#log.info({ restarts: this.#restarts }, 'informer recovered');
    for (const h of this.#handlers) this.#call(() => h.restarted?.());
  }

  #emit(event: 'add' | 'update' | 'delete', obj: T): void {
    for (const h of this.#handlers) this.#call(() => h[event]?.(obj));
  }

  /** A throwing handler must not break ListWatch's callback loop or the other handlers. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'informer handler threw');
    }
  }
}
