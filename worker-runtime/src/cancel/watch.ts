import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { cancelBucketName, type CancelRequest } from './bucket.ts';
import { followBucket } from '../follow-bucket.ts';

/**
 * One worker's view of its queue's cancels: a live watch of the cancel bucket (all keys, last
 * values first, so a worker started after a cancel still sees it), kept as a map of task id to
 * when the entry expires. Admission asks `has(id)` once per task; `size === 0` (the usual case)
 * lets it skip even decoding the task's headers.
 */
export class CancelWatch {
  private readonly cancelled = new Map<string, { expiresAt: number; reason: string | undefined }>();
  private readonly ttlMs: number;
  private readonly watch: QueuedIterator<KvWatchEntry>;
  private readonly onCancel: (id: string, reason: string | undefined) => void;
  private nextPrune = 0;

  private constructor(watch: QueuedIterator<KvWatchEntry>, ttlMs: number, onCancel: (id: string, reason: string | undefined) => void) {
    this.watch = watch;
    this.ttlMs = ttlMs;
    this.onCancel = onCancel;
  }

  /**
   * Opens the watch and resolves once the entries already stored have been read (or after
   * `cancelWatchInitialMs`, with a warning), so no task is admitted before a known cancel is.
   * Undefined when the queue has no cancel bucket (set up before cancels existed): a warning, and
   * the worker runs without cancels until the queue is synced again and the worker restarted.
   */
  static async open(nc: NatsConnection, queue: string, log: Logger, onCancel: (id: string, reason: string | undefined) => void): Promise<CancelWatch | undefined> {
    let kv: KV;
    let stored: number;
    let ttlMs: number;
    try {
      kv = await new Kvm(nc).open(cancelBucketName(queue));
      const status = await kv.status();
      stored = status.values;
      ttlMs = status.ttl;
    } catch (err) {
      log.warn({ queue, err }, 'queue has no cancel bucket; cancels are not applied');
      return undefined;
    }
    const watch = await kv.watch({ ignoreDeletes: true });
    const self = new CancelWatch(watch, ttlMs, onCancel);
    if (!(await followBucket(watch, stored, (e) => self.add(e), DEFAULTS.cancelWatchInitialMs, log))) log.warn({ queue, stored }, 'cancel bucket not read in time; starting anyway');
    return self;
  }

  get size(): number {
    return this.cancelled.size;
  }

  /** Whether the task id has a live cancel; the reason given, if any. */
  get(id: string): { reason: string | undefined } | undefined {
    const c = this.cancelled.get(id);
    if (c && c.expiresAt <= Date.now()) {
      this.cancelled.delete(id);
      return undefined;
    }
    return c;
  }

  close(): void {
    this.watch.stop();
  }

  private add(e: KvWatchEntry): void {
    const expiresAt = this.ttlMs > 0 ? e.created.getTime() + this.ttlMs : Number.POSITIVE_INFINITY;
    if (expiresAt <= Date.now()) return;
    const reason = reasonOf(e);
    this.cancelled.set(e.key, { expiresAt, reason });
    this.prune();
    this.onCancel(e.key, reason);
  }

  /** Expired ids leave the map at most once a minute: the map holds what the bucket holds. */
  private prune(): void {
    const now = Date.now();
    if (now < this.nextPrune) return;
    this.nextPrune = now + 60_000;
    for (const [id, c] of this.cancelled) if (c.expiresAt <= now) this.cancelled.delete(id);
  }
}

/** The reason of a cancel entry; any body (empty, not JSON) still cancels. */
function reasonOf(e: KvWatchEntry): string | undefined {
  try {
    const body = e.length > 0 ? e.json<CancelRequest>() : undefined;
    return typeof body?.reason === 'string' ? body.reason.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}
