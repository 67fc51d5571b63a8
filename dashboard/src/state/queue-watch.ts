import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { readQueueState, workerStatusSubject, type QueueState, type WorkerStatus } from 'celeriac/topology';
import { queueNameOf, type TaskQueue } from '@celeriac/crds';
import { History } from './history.ts';

/** A worker as last heard from. */
export interface LiveWorker extends WorkerStatus {
  heardAt: number;
}

/** Workers beat every second by default; one silent for this many of its intervals is gone. */
const MISSED_BEATS = 3;
const DEFAULT_BEAT_MS = 1_000;
/**
 * But never sooner than this: a busy worker or dashboard can be late by more than three short
 * beats, and a worker that blinks out of the table is worse than one that leaves it 3 s late.
 */
const MIN_SILENCE_MS = 3_000;

/**
 * What the dashboard knows of one queue: its TaskQueue, the last JetStream numbers, their
 * history (rates), and the workers heard on its heartbeat subject. Read by the shared poll loop
 * (hub.ts), never by a request, so viewers add no load on NATS.
 */
export class QueueWatch {
  tq: TaskQueue;
  readonly namespace: string;
  readonly name: string;
  /** The queue's name in NATS. */
  readonly queue: string;
  state: QueueState | undefined;
  /** Why the last read failed (NATS unreachable, no stream yet). Cleared by a good read. */
  error: string | undefined;
  readonly history: History;
  nc: NatsConnection | undefined;
  private readonly workers = new Map<string, LiveWorker>();
  private sub: Subscription | undefined;

  constructor(tq: TaskQueue, historySamples: number) {
    this.tq = tq;
    this.namespace = tq.metadata.namespace ?? 'default';
    this.name = tq.metadata.name;
    this.queue = queueNameOf(tq);
    this.history = new History(historySamples);
  }

  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** `replicas`: the pods of the queue's WorkerPools now, for the chart's replicas over time. */
  async poll(nc: NatsConnection, now: number, replicas = 0): Promise<void> {
    if (this.nc !== nc) this.listen(nc);
    try {
      this.state = await readQueueState(nc, this.queue);
      this.error = undefined;
      this.history.add({ at: now, lastSeq: this.state.lastSeq, backlog: this.state.pending + this.state.ackPending }, replicas);
    } catch (e) {
      this.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
  }

  liveWorkers(now: number): LiveWorker[] {
    for (const [k, w] of this.workers) if (now - w.heardAt > Math.max(MIN_SILENCE_MS, MISSED_BEATS * (w.intervalMs ?? DEFAULT_BEAT_MS))) this.workers.delete(k);
    return [...this.workers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Heartbeats are core NATS messages: a subscription costs NATS no request. */
  private listen(nc: NatsConnection): void {
    this.sub?.unsubscribe();
    this.nc = nc;
    this.sub = nc.subscribe(workerStatusSubject(this.queue), {
      callback: (err, m) => {
        if (err) return;
        try {
          const s = m.json<WorkerStatus>();
          this.workers.set(s.instance ?? s.name, { ...s, heardAt: Date.now() });
        } catch {
          // not a heartbeat: ignore
        }
      },
    });
  }

  close(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.nc = undefined;
  }
}
