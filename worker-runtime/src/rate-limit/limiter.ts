import type { NatsConnection } from '@nats-io/nats-core';
import { headers } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { tokensGranted, windowAt, type RateLimit } from './limit.ts';
import { rateCounterSubject } from './topology.ts';

/**
 * Hands out one limit's tokens to the tasks of this worker waiting for it, first come first
 * served. One request at a time per limit: it asks the window's counter for as many tokens as
 * tasks wait (at most `maxBatch`, the worker's concurrency: no more than it can start), keeps what
 * the new count leaves under the limit, and, when the window is spent, sleeps to the next one.
 * No process owns the count: every worker of every pod increments the same JetStream counter.
 */
export class Limiter {
  /** Each resolves with when its token's window ends (Infinity: no limit), or undefined on close. */
  private readonly waiters: Array<(endsAt: number | undefined) => void> = [];
  private pumping = false;
  private closed = false;
  private wakeSleep: (() => void) | undefined;
  private readonly nc: NatsConnection;
  private readonly queue: string;
  private readonly key: string;
  private readonly current: () => RateLimit | undefined;
  private readonly maxBatch: number;
  private readonly log: Logger;

  constructor(nc: NatsConnection, queue: string, key: string, current: () => RateLimit | undefined, maxBatch: number, log: Logger) {
    this.nc = nc;
    this.queue = queue;
    this.key = key;
    this.current = current;
    this.maxBatch = maxBatch;
    this.log = log;
  }

  /**
   * Resolves once a token is ours, with when the window it counts in ends (Infinity if the limit
   * is gone); undefined if the worker closes first. A token is for starting in its own window.
   */
  take(): Promise<number | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const p = new Promise<number | undefined>((r) => this.waiters.push(r));
    if (!this.pumping) void this.pump();
    return p;
  }

  /** The limit changed: look again now rather than at the end of the window. */
  wake(): void {
    this.wakeSleep?.();
  }

  close(): void {
    this.closed = true;
    for (const r of this.waiters.splice(0)) r(undefined);
    this.wakeSleep?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0 && !this.closed) {
        const limit = this.current();
        if (!limit) {
          // Removed while tasks waited: they start now.
          for (const r of this.waiters.splice(0)) r(Number.POSITIVE_INFINITY);
          break;
        }
        const window = windowAt(Date.now(), limit.periodMs);
        const asked = Math.min(this.waiters.length, this.maxBatch);
        let value: number;
        try {
          value = await this.increment(rateCounterSubject(this.queue, this.key, limit.periodMs, window.index), asked);
        } catch (err) {
          this.log.warn({ err, key: this.key }, 'rate limit counter unavailable; tasks keep waiting');
          await this.sleep(DEFAULTS.rateLimitRetryMs);
          continue;
        }
        const granted = tokensGranted(value, asked, limit.limit);
        for (const r of this.waiters.splice(0, granted)) r(window.endsAt);
        if (granted < asked) await this.sleep(window.endsAt - Date.now());
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One counter increment (`Nats-Incr`); the publish ack carries the window's new total. */
  private async increment(subject: string, by: number): Promise<number> {
    const h = headers();
    h.set('Nats-Incr', `+${by}`);
    const reply = await this.nc.request(subject, new Uint8Array(), { headers: h, timeout: DEFAULTS.publishTimeoutMs });
    const ack = reply.json<{ val?: string; error?: { description?: string } }>();
    const value = Number(ack.val);
    if (ack.error || !Number.isFinite(value)) throw new Error(`counter increment refused: ${ack.error?.description ?? JSON.stringify(ack)}`);
    return value;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = done;
    }).finally(() => (this.wakeSleep = undefined));
  }
}
