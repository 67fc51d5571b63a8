import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { workerStatusSubject, type WorkerStatus } from 'celeriac/topology';

/** A worker that has not reported for this long is gone (heartbeats come every second). */
const STALE_MS = 5_000;

interface Seen extends WorkerStatus {
  at: number;
}

/**
 * Listens to the workers' status heartbeats of each queue: in-flight counts per pod (to mark busy
 * pods before scaling in) and completion counters (throughput per replica).
 */
export class WorkerMonitor {
  private readonly subs = new Map<string, { nc: NatsConnection; sub: Subscription; workers: Map<string, Seen> }>();
  /** Completions of workers that went away, so the queue's total never goes backwards. */
  private readonly retired = new Map<string, number>();
  private readonly decoder = new TextDecoder();

  /** Subscribes once per queue, again when the queue's connection changes (its Secret rotated). */
  watch(nc: NatsConnection, queue: string): void {
    const before = this.subs.get(queue);
    if (before?.nc === nc) return;
    before?.sub.unsubscribe();
    // The workers seen so far stay: they are the same pods, heard through a new connection.
    const workers = before?.workers ?? new Map<string, Seen>();
    const sub = nc.subscribe(workerStatusSubject(queue), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const s = JSON.parse(this.decoder.decode(msg.data)) as WorkerStatus;
          if (typeof s.name === 'string' && typeof s.inFlight === 'number') workers.set(s.name, { ...s, at: Date.now() });
        } catch {
          // a malformed heartbeat is ignored, like any bad input
        }
      },
    });
    this.subs.set(queue, { nc, sub, workers });
  }

  /** Live workers of a queue, by name (= pod name). */
  workers(queue: string, now = Date.now()): Map<string, WorkerStatus> {
    const entry = this.subs.get(queue);
    const out = new Map<string, WorkerStatus>();
    if (!entry) return out;
    for (const [name, s] of entry.workers) {
      if (now - s.at > STALE_MS) {
        this.retired.set(queue, (this.retired.get(queue) ?? 0) + s.completed);
        entry.workers.delete(name);
      } else out.set(name, s);
    }
    return out;
  }

  /** Tasks completed by the queue's workers since the operator started listening; undefined before any report. */
  completedTotal(queue: string, now = Date.now()): number | undefined {
    const live = this.workers(queue, now);
    if (live.size === 0 && !this.retired.has(queue)) return undefined;
    let total = this.retired.get(queue) ?? 0;
    for (const s of live.values()) total += s.completed;
    return total;
  }

  close(): void {
    for (const { sub } of this.subs.values()) sub.unsubscribe();
    this.subs.clear();
  }
}
