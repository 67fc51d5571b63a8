import type { NatsConnection, QueuedIterator } from '@nats-io/nats-core';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import type { RateLimit } from './limit.ts';
import { decodeStoredLimit } from './store.ts';
import { followBucket } from '../follow-bucket.ts';
import { rateLimitBucketName } from './topology.ts';

/**
 * One worker's live view of its queue's limits bucket (last values first, then every change), so
 * a limit set or changed by the operator or `setRateLimit` applies without a restart. An entry
 * that is not a valid limit is ignored with a warning: a hand-written typo never stops a worker.
 */
export class RateLimitWatch {
  private readonly limits = new Map<string, RateLimit>();
  private readonly watch: QueuedIterator<KvWatchEntry>;
  private readonly log: Logger;
  /** Called after a key changed (set, changed or removed). */
  onChange: (key: string) => void = () => undefined;

  private constructor(watch: QueuedIterator<KvWatchEntry>, log: Logger) {
    this.watch = watch;
    this.log = log;
  }

  /**
   * Opens the watch and resolves once the stored limits are read (or after
   * `rateLimitWatchInitialMs`, warning), so no task starts before a known limit applies.
   * Undefined when the queue has no limits bucket (set up before rate limits existed).
   */
  static async open(nc: NatsConnection, queue: string, log: Logger): Promise<RateLimitWatch | undefined> {
    let kv: KV;
    let stored: number;
    try {
      kv = await new Kvm(nc).open(rateLimitBucketName(queue));
      stored = (await kv.status()).values;
    } catch (err) {
      log.warn({ queue, err }, 'queue has no rate-limit bucket; rate limits are not applied');
      return undefined;
    }
    const watch = await kv.watch();
    const self = new RateLimitWatch(watch, log);
    if (!(await followBucket(watch, stored, (e) => self.apply(e), DEFAULTS.rateLimitWatchInitialMs, log))) log.warn({ queue, stored }, 'rate-limit bucket not read in time; starting anyway');
    return self;
  }

  get size(): number {
    return this.limits.size;
  }

  get(key: string): RateLimit | undefined {
    return this.limits.get(key);
  }

  close(): void {
    this.watch.stop();
  }

  private apply(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') {
      this.limits.delete(e.key);
    } else {
      const limit = decodeStoredLimit(e.string());
      // A bad value keeps the limit in force before it: a typo must not lift a limit.
      if (limit) this.limits.set(e.key, { limit: limit.limit, periodMs: limit.periodMs });
      else this.log.warn({ key: e.key, kept: this.limits.get(e.key) }, 'ignoring invalid rate limit entry');
    }
    this.log.info({ key: e.key, limit: this.limits.get(e.key) }, 'rate limit changed');
    this.onChange(e.key);
  }
}
