import type { NatsConnection } from '@nats-io/nats-core';
import { readBacklog, type BacklogState } from './read-backlog.ts';

interface Reading {
  at: number;
  state: Promise<BacklogState>;
}

/**
 * One JetStream poll per queue, shared by every pool on it: a reading younger than `maxAgeMs` is
 * reused, and concurrent callers share the request in flight.
 */
export class BacklogPoller {
  private readonly readings = new Map<string, Reading>();

  async read(nc: NatsConnection, queue: string, maxAgeMs: number, now = Date.now()): Promise<{ at: number; state: BacklogState }> {
    const r = this.readings.get(queue);
    if (r && now - r.at < maxAgeMs) return { at: r.at, state: await r.state };
    const reading = { at: now, state: readBacklog(nc, queue) };
    this.readings.set(queue, reading);
    reading.state.catch(() => this.readings.delete(queue));
    return { at: now, state: await reading.state };
  }
}
