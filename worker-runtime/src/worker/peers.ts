import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { DEFAULTS } from '../defaults.ts';
import { workerStatusSubject, type WorkerStatus } from './heartbeat.ts';

/** What the workers of a queue say about a task name, as far as this worker has heard. */
export type PeerKnowledge =
  /** A worker that announces the task is up and consuming: it will run the task. */
  | 'live'
  /**
   * A worker announced the task within the grace period but is silent or unready now (a new pod
   * restarting), or a live worker does not list its tasks (an older runtime): it may run it.
   */
  | 'recent'
  /** No worker announced the task within the grace period. */
  | 'none';

interface Peer {
  /** Undefined when the peer's heartbeat lists no tasks (a runtime from before task names). */
  tasks: ReadonlySet<string> | undefined;
  ready: boolean;
  at: number;
  /** The peer is gone once silent for this long: three of its own heartbeat intervals. */
  expiresAfterMs: number;
}

/** Heartbeats missed before a peer counts as gone: one lost beat or a GC pause is not a departure. */
const MISSED_BEATS = 3;

/**
 * The task names the live workers of a queue announce in their heartbeats, and when each name was
 * last announced. Bounded: silent peers are dropped after three missed beats, and a name is
 * forgotten once unannounced for the grace period. Pure (time is passed in); `PeerWatch` feeds it.
 */
export class PeerRegistry {
  private readonly peers = new Map<string, Peer>();
  private readonly lastAnnounced = new Map<string, number>();
  private readonly graceMs: number;

  constructor(graceMs: number) {
    this.graceMs = graceMs;
  }

  /** Records one heartbeat; anything that is not a worker status is ignored. */
  observe(status: unknown, now: number): void {
    if (!isStatus(status)) return;
    const tasks = Array.isArray(status.tasks) ? new Set(status.tasks.filter((t): t is string => typeof t === 'string')) : undefined;
    const interval = typeof status.intervalMs === 'number' && status.intervalMs > 0 ? status.intervalMs : DEFAULTS.heartbeatIntervalMs;
    this.peers.set(status.instance ?? status.name, { tasks, ready: status.ready === true, at: now, expiresAfterMs: MISSED_BEATS * interval });
    for (const t of tasks ?? []) this.lastAnnounced.set(t, now);
  }

  knowledge(task: string, now: number): PeerKnowledge {
    this.prune(now);
    let mayKnow = false;
    for (const p of this.peers.values()) {
      if (p.tasks === undefined) mayKnow ||= p.ready;
      else if (p.ready && p.tasks.has(task)) return 'live';
    }
    return mayKnow || this.lastAnnounced.has(task) ? 'recent' : 'none';
  }

  /** Live peers (for logs and tests). */
  size(now: number): number {
    this.prune(now);
    return this.peers.size;
  }

  private prune(now: number): void {
    for (const [k, p] of this.peers) if (now - p.at > p.expiresAfterMs) this.peers.delete(k);
    for (const [t, at] of this.lastAnnounced) if (now - at > this.graceMs) this.lastAnnounced.delete(t);
  }
}

function isStatus(s: unknown): s is Partial<WorkerStatus> & { name: string } {
  return typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string';
}

const decoder = new TextDecoder();

/**
 * Listens to the queue's heartbeats (`celeriac.<queue>.workers.*`, core NATS) and keeps a
 * `PeerRegistry` of them. `warmedUp` resolves after two heartbeat intervals: before that, not
 * having heard of a worker that knows a task says nothing, so nothing is dead-lettered for it.
 */
export class PeerWatch {
  readonly registry: PeerRegistry;
  /** Resolves once the watch has listened long enough to have heard every live peer. */
  readonly warmedUp: Promise<void>;
  private readonly sub: Subscription;
  private readonly warmUpTimer: NodeJS.Timeout;
  private warm = false;

  constructor(nc: NatsConnection, queue: string, graceMs: number, heartbeatIntervalMs: number) {
    this.registry = new PeerRegistry(graceMs);
    this.sub = nc.subscribe(workerStatusSubject(queue), {
      callback: (err, msg) => {
        if (err) return;
        try {
          this.registry.observe(JSON.parse(decoder.decode(msg.data)), Date.now());
        } catch {
          // a malformed heartbeat is ignored, like any bad input
        }
      },
    });
    let resolve!: () => void;
    this.warmedUp = new Promise<void>((r) => (resolve = r));
    this.warmUpTimer = setTimeout(() => {
      this.warm = true;
      resolve();
    }, 2 * heartbeatIntervalMs);
    this.warmUpTimer.unref();
  }

  get isWarm(): boolean {
    return this.warm;
  }

  close(): void {
    clearTimeout(this.warmUpTimer);
    this.sub.unsubscribe();
  }
}
