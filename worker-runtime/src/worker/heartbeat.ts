import type { NatsConnection } from '@nats-io/nats-core';
import { SUBJECT_ROOT } from '../protocol.ts';

/** What each worker says about itself every second (core NATS, not stored). */
export interface WorkerStatus {
  name: string;
  inFlight: number;
  concurrency: number;
  /** Tasks completed since the process started (a counter: rates come from its deltas). */
  completed: number;
  ready: boolean;
  /**
   * The task names this worker runs: peers that receive a task they do not know hand it back
   * while a worker that knows it is around (worker/peers.ts). Absent from runtimes before 1.0.
   */
  tasks?: readonly string[];
  /** This worker's heartbeat interval: peers count it gone after three silent intervals. */
  intervalMs?: number;
  /** Unique per Worker instance: two workers given one name (or none) stay two peers. */
  instance?: string;
}

export function workerStatusSubject(queue: string, name = '*'): string {
  return `${SUBJECT_ROOT}.${queue}.workers.${name}`;
}

const encoder = new TextEncoder();

/**
 * Publishes the worker's status so the operator can measure throughput per replica and mark busy
 * pods (pod-deletion-cost) without scraping pods, which it may not be able to reach.
 */
export class WorkerHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private readonly nc: NatsConnection;
  private readonly subject: (name: string) => string;
  private readonly status: () => WorkerStatus;

  constructor(nc: NatsConnection, queue: string, intervalMs: number, status: () => WorkerStatus) {
    this.nc = nc;
    this.status = status;
    this.subject = (name) => workerStatusSubject(queue, name.replace(/[^A-Za-z0-9_-]/g, '_'));
    this.timer = setInterval(() => this.send(), intervalMs);
    this.timer.unref();
    this.send();
  }

  private send(): void {
    if (this.nc.isClosed()) return;
    const s = this.status();
    try {
      this.nc.publish(this.subject(s.name), encoder.encode(JSON.stringify({ ...s, at: Date.now() })));
    } catch {
      // disconnected: the next beat will tell
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // A last beat with ready=false tells the operator this pod is going away.
    this.send();
  }
}
