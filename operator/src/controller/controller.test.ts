import type { KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controllerOwnerKeys, Controller, watchSecondary, type ControllerOptions } from './controller.ts';
import type { InformerHandler, WatchedCache } from './informer.ts';
import { ControllerMetrics } from './metrics.ts';
import { formatKey, keyOf, type ObjectKey } from './object-key.ts';
import { InvalidSpec, RetryLater, TransientError, type Reconciler, type Result } from './reconciler.ts';

/** An in-memory cache standing in for an informer: the controller's logic, not the watch, is under test. */
class MemoryCache implements WatchedCache {
  readonly #objects = new Map<string, KubernetesObject>();
  readonly #handlers = new Set<InformerHandler<KubernetesObject>>();

  get(namespace: string | undefined, name: string): KubernetesObject | undefined {
    return this.#objects.get(formatKey({ namespace, name }));
  }
  list(): readonly KubernetesObject[] {
    return [...this.#objects.values()];
  }
  addHandler(h: InformerHandler<KubernetesObject>): () => void {
    this.#handlers.add(h);
    return () => this.#handlers.delete(h);
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  get handlers(): number {
    return this.#handlers.size;
  }
  put(obj: KubernetesObject): void {
    const k = formatKey(keyOf(obj));
    const existed = this.#objects.has(k);
    this.#objects.set(k, obj);
    for (const h of this.#handlers) (existed ? h.update : h.add)?.(obj);
  }
  remove(namespace: string, name: string): void {
    const k = formatKey({ namespace, name });
    const obj = this.#objects.get(k);
    this.#objects.delete(k);
    if (obj) for (const h of this.#handlers) h.delete?.(obj);
  }
  restart(): void {
    for (const h of this.#handlers) h.restarted?.();
  }
}

function obj(name: string, generation = 1, extra: Partial<KubernetesObject['metadata']> = {}): KubernetesObject {
  return { apiVersion: 'v1', kind: 'Thing', metadata: { namespace: 'ns', name, generation, ...extra } };
}

/** A reconciler that records calls and answers from a per-key script (default: success). */
class ScriptedReconciler implements Reconciler {
  readonly calls: string[] = [];
  readonly script = new Map<string, (n: number, signal: AbortSignal) => Promise<Result>>();

  async reconcile(key: ObjectKey, signal: AbortSignal): Promise<Result> {
    const k = formatKey(key);
    this.calls.push(k);
    const step = this.script.get(k);
    return step ? step(this.count(k), signal) : {};
  }
  count(key: string): number {
    return this.calls.filter((c) => c === key).length;
  }
}

/** One object, ns/a, whose reconciles run `step` and record when they ran. */
function timedKey(step: (n: number) => Result): { cache: MemoryCache; r: ScriptedReconciler; times: number[] } {
  const cache = new MemoryCache();
  cache.put(obj('a'));
  const r = new ScriptedReconciler();
  const times: number[] = [];
  r.script.set('ns/a', async (n) => {
    times.push(Date.now());
    return step(n);
  });
  return { cache, r, times };
}

const running: Controller[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function startController(
  cache: MemoryCache,
  reconciler: Reconciler,
  opts: Partial<ControllerOptions<KubernetesObject>> = {},
): Promise<Controller> {
  const c = new Controller({ name: 'test', primary: cache, reconciler, resyncPeriodMs: 60_000, ...opts });
  running.push(c);
  await c.start();
  return c;
}

/** Real timers under a shared 2-core machine: generous timeout, tight polling. */
const eventually = (assertion: () => void): Promise<void> => vi.waitFor(assertion, { timeout: 5000, interval: 5 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Controller', () => {
  it('reconciles every cached object on start and each changed object after', async () => {
    const cache = new MemoryCache();
    cache.put(obj('a'));
    cache.put(obj('b'));
    const r = new ScriptedReconciler();
    await startController(cache, r);
    await eventually(() => expect(r.calls.toSorted()).toEqual(['ns/a', 'ns/b']));
    cache.put(obj('c'));
    cache.put(obj('a', 2));
    cache.remove('ns', 'b');
    await eventually(() => expect(r.calls.slice(2).toSorted()).toEqual(['ns/a', 'ns/b', 'ns/c']));
  });

  it('never reconciles one key twice at once, yet sees the latest change', async () => {
    const cache = new MemoryCache();
    cache.put(obj('a'));
    const r = new ScriptedReconciler();
    let active = 0;
    let maxActive = 0;
    r.script.set('ns/a', async () => {
      maxActive = Math.max(maxActive, ++active);
      await sleep(20);
      active--;
      return {};
    });
    await startController(cache, r, { workers: 4 });
    await sleep(5);
    for (let g = 2; g < 10; g++) cache.put(obj('a', g));
    await eventually(() => expect(r.count('ns/a')).toBe(2));
    await sleep(50);
    expect(maxActive).toBe(1);
    expect(r.count('ns/a')).toBe(2);
  });

  it('requeues after the requested delay', async () => {
    const { cache, r, times } = timedKey(() => ({ requeueAfter: 40 }));
    await startController(cache, r);
    await eventually(() => expect(times.length).toBeGreaterThanOrEqual(3));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35);
  });

  it('retries failures with growing backoff and forgets it after a success', async () => {
    const { cache, r, times } = timedKey((n) => {
      if (n <= 4) throw n % 2 ? new TransientError('conflict') : new Error('unexpected');
      return {};
    });
    const registry = new Registry();
    await startController(cache, r, { backoff: { baseMs: 10, maxMs: 1000 }, metrics: new ControllerMetrics(registry) });
    await eventually(() => expect(r.count('ns/a')).toBe(5));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 10, 20, 40, 80 ms: each wait at least the backoff (timers never fire early).
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[3]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
    const metrics = await registry.metrics();
    expect(metrics).toContain('celeriac_operator_reconcile_total{controller="test",result="error"} 4');
    expect(metrics).toContain('celeriac_operator_reconcile_total{controller="test",result="success"} 1');
    await sleep(100);
    expect(r.count('ns/a')).toBe(5);
  });

  it('retries a RetryLater after its own delay, not the backoff', async () => {
    const { cache, r, times } = timedKey((n) => {
      if (n === 1) throw new RetryLater(60, 'secret missing');
      return {};
    });
    await startController(cache, r, { backoff: { baseMs: 1, maxMs: 1 } });
    await eventually(() => expect(r.count('ns/a')).toBe(2));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(59);
  });

  it('leaves an invalid spec alone until its generation changes, even on resync', async () => {
    const cache = new MemoryCache();
    cache.put(obj('bad'));
    cache.put(obj('good'));
    const r = new ScriptedReconciler();
    r.script.set('ns/bad', async (n) => {
      if (n === 1) throw new InvalidSpec('spec.retention', 'must be workqueue or limits');
      return {};
    });
    await startController(cache, r, { resyncPeriodMs: 20 });
    await eventually(() => expect(r.count('ns/good')).toBeGreaterThanOrEqual(3));
    cache.put(obj('bad', 1, { labels: { touched: 'yes' } }));
    await sleep(30);
    expect(r.count('ns/bad')).toBe(1);
    cache.put(obj('bad', 2));
    await eventually(() => expect(r.count('ns/bad')).toBeGreaterThanOrEqual(2));
  });

  it('resyncs every object periodically and after an informer restart', async () => {
    const cache = new MemoryCache();
    cache.put(obj('a'));
    const r = new ScriptedReconciler();
    await startController(cache, r, { resyncPeriodMs: 30 });
    await eventually(() => expect(r.count('ns/a')).toBeGreaterThanOrEqual(3));

    const slow = new ScriptedReconciler();
    const cache2 = new MemoryCache();
    cache2.put(obj('b'));
    await startController(cache2, slow);
    await eventually(() => expect(slow.count('ns/b')).toBe(1));
    cache2.restart();
    await eventually(() => expect(slow.count('ns/b')).toBe(2));
  });

  it('maps secondary objects to their controlling owner', async () => {
    const cache = new MemoryCache();
    const owned = new MemoryCache();
    cache.put(obj('pool'));
    const r = new ScriptedReconciler();
    await startController(cache, r, { secondaries: [watchSecondary(owned, controllerOwnerKeys('Thing'))] });
    await eventually(() => expect(r.count('ns/pool')).toBe(1));
    owned.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        namespace: 'ns',
        name: 'pool-workers',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Thing', name: 'pool', uid: 'u1', controller: true },
          { apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'u2', controller: false },
        ],
      },
    });
    await eventually(() => expect(r.count('ns/pool')).toBe(2));
    expect(r.calls).not.toContain('ns/x');
  });

  it('stop aborts the signal, waits for reconciles in flight and unsubscribes', async () => {
    const cache = new MemoryCache();
    cache.put(obj('a'));
    const r = new ScriptedReconciler();
    let sawAbort = false;
    let finished = false;
    r.script.set('ns/a', async (_n, signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      sawAbort = true;
      await sleep(10);
      finished = true;
      throw new Error('aborted');
    });
    const c = await startController(cache, r);
    await eventually(() => expect(r.count('ns/a')).toBe(1));
    await c.stop();
    expect(sawAbort).toBe(true);
    expect(finished).toBe(true);
    expect(cache.handlers).toBe(0);
    expect(c.running).toBe(false);

    r.script.delete('ns/a');
    await c.start();
    await eventually(() => expect(r.count('ns/a')).toBe(2));
  });
});
