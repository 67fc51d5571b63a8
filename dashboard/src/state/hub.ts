import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { WorkerPool } from '@celeriac/crds';
import { Connections } from './connections.ts';
import { ObjectReader } from './objects.ts';
import { podsOfQueue } from './model.ts';
import { QueueWatch } from './queue-watch.ts';

export interface HubOptions {
  /** Only this namespace's queues (the chart's rbac.scope=namespace); all namespaces when unset. */
  namespace: string | undefined;
  /** NATS for queues without spec.nats (the operator's connection). */
  natsUrl: string | undefined;
  pollMs: number;
  objectsRefreshMs: number;
  idleAfterMs: number;
  historySamples: number;
  natsConnectTimeoutMs: number;
}

/**
 * The one poll loop of the dashboard. Every `pollMs` it reads each queue's numbers once and tells
 * the live streams; pages and the JSON API read its cache. So NATS sees the same requests whether
 * one browser or a hundred are open, and none when no one has looked for `idleAfterMs`.
 */
export class Hub {
  private readonly opts: HubOptions;
  private readonly log: Logger;
  private readonly objects: ObjectReader;
  private readonly connections: Connections;
  private readonly watches = new Map<string, QueueWatch>();
  private poolList: WorkerPool[] = [];
  private readonly listeners = new Set<() => void>();
  private objectsReadAt = 0;
  private lastTickAt = 0;
  private lastDemandAt = 0;
  private tickInFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Why the last TaskQueue list failed, for the overview's banner. */
  objectsError: string | undefined;

  constructor(kc: KubeConfig, opts: HubOptions, log: Logger) {
    this.opts = opts;
    this.log = log;
    this.objects = new ObjectReader(kc, opts.namespace);
    this.connections = new Connections(kc, opts.natsUrl, opts.natsConnectTimeoutMs);
  }

  /**
   * A page or API call wants numbers: keep the loop running. Only the very first caller waits for
   * a read; after an idle spell the page gets the last numbers at once and the live stream brings
   * the new ones within a poll (a full read of 200 queues takes seconds on a busy machine).
   */
  async fresh(): Promise<void> {
    this.lastDemandAt = Date.now();
    if (this.lastTickAt === 0) await this.tick();
    else if (Date.now() - this.lastTickAt > 2 * this.opts.pollMs) void this.tick();
    this.schedule();
  }

  queues(): QueueWatch[] {
    return [...this.watches.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  pools(): WorkerPool[] {
    return this.poolList;
  }

  find(namespace: string, name: string): QueueWatch | undefined {
    return this.watches.get(`${namespace}/${name}`);
  }

  /** Called after every tick while subscribed; a live stream keeps the loop running. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    this.lastDemandAt = Date.now();
    this.schedule();
    return () => this.listeners.delete(listener);
  }

  private active(): boolean {
    return !this.closed && (this.listeners.size > 0 || Date.now() - this.lastDemandAt < this.opts.idleAfterMs);
  }

  private schedule(): void {
    if (this.timer || !this.active()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick().then(() => this.schedule(), () => this.schedule());
    }, this.opts.pollMs);
  }

  /** One read of everything; concurrent callers share it. */
  tick(): Promise<void> {
    this.tickInFlight ??= this.readAll().finally(() => (this.tickInFlight = undefined));
    return this.tickInFlight;
  }

  private async readAll(): Promise<void> {
    const now = Date.now();
    if (now - this.objectsReadAt >= this.opts.objectsRefreshMs) await this.readObjects(now);
    await Promise.all(
      [...this.watches.values()].map(async (w) => {
        try {
          // A queue keeps its connection: resolving it again would re-read its Secret every tick.
          const nc = w.nc && !w.nc.isClosed() ? w.nc : await this.connections.of(w.tq);
          // From the pool list, re-read every objectsRefreshMs: the chart's pods move in steps of that.
          await w.poll(nc, now, podsOfQueue(this.poolList, w));
        } catch (e) {
          w.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
        }
      }),
    );
    this.lastTickAt = Date.now();
    for (const l of this.listeners) l();
  }

  /** The list, tried three times: a busy API server answers 429 (priority and fairness) for a moment. */
  private async listObjects() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.objects.read();
      } catch (e) {
        if (attempt >= 3) throw e;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  private async readObjects(now: number): Promise<void> {
    try {
      const { queues, pools } = await this.listObjects();
      this.poolList = pools;
      const seen = new Set<string>();
      for (const tq of queues) {
        const key = `${tq.metadata.namespace ?? 'default'}/${tq.metadata.name}`;
        seen.add(key);
        const w = this.watches.get(key);
        if (w) w.tq = tq;
        else this.watches.set(key, new QueueWatch(tq, this.opts.historySamples));
      }
      for (const [key, w] of this.watches) {
        if (seen.has(key)) continue;
        w.close();
        this.watches.delete(key);
      }
      this.objectsReadAt = now;
      this.objectsError = undefined;
    } catch (e) {
      this.objectsError = e instanceof Error ? e.message.split('\n')[0] : String(e);
      this.log.warn({ err: this.objectsError }, 'cannot list taskqueues');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.tickInFlight?.catch(() => undefined);
    for (const w of this.watches.values()) w.close();
    await this.connections.close();
  }
}
