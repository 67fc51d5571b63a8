import { KeyedBackoff, type BackoffPolicy } from './backoff.ts';
import { defaults } from './defaults.ts';

export interface WorkQueueOptions {
  /** Per-key retry backoff for `addRateLimited`. Default: `defaults.queueBackoff`. */
  backoff?: BackoffPolicy;
}

interface DelayedAdd {
  readonly at: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * A keyed work queue with the guarantees of client-go's workqueue:
 * - a key is queued at most once (adds while queued are merged);
 * - a key is never handed to two workers at once: an add while it is processing marks it to be
 *   queued again when `done(key)` is called;
 * - `addAfter` delays an add (keeping the earliest deadline per key) and `addRateLimited` delays by
 *   the key's exponential backoff until `forget(key)`.
 *
 * Workers loop on `get()` until it returns `undefined` (shut down) and call `done(key)` after each.
 */
export class WorkQueue {
  /** Waiting keys in FIFO order (a Set keeps insertion order and dedupes). */
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  /** Keys added while processing: queued again on `done`. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, DelayedAdd>();
  readonly #waiters: Array<(key: string | undefined) => void> = [];
  readonly #idle: Array<() => void> = [];
  readonly #backoff: KeyedBackoff;
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.#backoff = new KeyedBackoff(opts.backoff ?? defaults.queueBackoff);
  }

  /** Number of keys waiting to be handed out (the queue depth metric). */
  get length(): number {
    return this.#queued.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queued.add(key);
  }

  /** Adds `key` after `delayMs`; if it is already waiting for an earlier time, that time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { at, timer });
  }

  /** Adds `key` after its backoff delay, which doubles on each call until `forget`. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (call after it was processed successfully). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** How many times `key` was rate-limited since its last `forget`. */
  retries(key: string): number {
    return this.#backoff.failures(key);
  }

  /** The next key to process, waiting for one; `undefined` once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    for (const key of this.#queued) {
      this.#queued.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` as processed; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
    if (this.#processing.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /**
   * Stops handing out keys and resolves once no key is processing. Waiting and delayed keys are
   * dropped rather than drained: the state lives in the cluster, and whoever runs the next
   * controller (this process after re-election, or another replica) relists and reconciles all.
   */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#queued.clear();
    this.#dirty.clear();
    for (const resolve of this.#waiters.splice(0)) resolve(undefined);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
