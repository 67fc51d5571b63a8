import type { NatsConnection, QueuedIterator } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import { queueNames } from '../protocol.ts';
import { slotBucketName } from './bucket.ts';
import { prefixOfSlot } from './key.ts';
import { SlotWakeups, type SlotWait } from './wakeups.ts';
import { KeyMetrics } from './metrics.ts';
import type { Registry } from 'prom-client';

/** A slot this worker holds: its KV key and the revision of its last write. */
export interface HeldSlot {
  readonly key: string;
  revision: number;
  /** A renewal is on its way: a delete now would name a revision about to be replaced. */
  renewing?: boolean;
}

/**
 * One worker's side of the queue's per-key concurrency slots (docs/concepts.md, "Concurrency
 * per key"). A slot is a KV entry `<task>.<key token>.<index>` taken with `create` (refused if
 * it exists, so two workers never hold one slot), rewritten by its holder every third of the
 * bucket's TTL while its task runs, deleted when the task ends; a dead holder's entry expires.
 * One watch of the bucket wakes the tasks waiting for a key when one of its slots is deleted
 * or expires. No central process: every worker only reads and writes the bucket.
 */
export class KeySlots {
  /** The bucket's max age: how long a slot outlives its last renewal. */
  readonly ttlMs: number;
  /** The task stream takes server-side schedules: a waiting task can be handed back with a delay. */
  readonly schedulable: boolean;
  /** Tasks of this worker that may wait in their worker slot at once: the others are handed back at once. */
  readonly maxWaiting: number;
  /** Tasks of this worker waiting in their worker slot now. */
  waiting = 0;
  /** Undefined for slots opened without a registry. */
  metrics: KeyMetrics | undefined;
  private readonly kv: KV;
  private readonly log: Logger;
  private readonly owner: string;
  private readonly held = new Set<HeldSlot>();
  private readonly wakeups = new SlotWakeups();
  /** Revision of the delete marker of recently freed slots, from the watch (see create). */
  private readonly markers = new Map<string, number>();
  private readonly renewer: NodeJS.Timeout;
  private watch: QueuedIterator<KvWatchEntry> | undefined;

  private constructor(kv: KV, ttlMs: number, schedulable: boolean, maxWaiting: number, owner: string, log: Logger) {
    this.kv = kv;
    this.maxWaiting = maxWaiting;
    this.ttlMs = ttlMs;
    this.schedulable = schedulable;
    this.owner = owner;
    this.log = log;
    // A bucket made by hand without a max age: entries never expire, so renewals would be moot.
    this.renewer = setInterval(() => this.renewAll(), ttlMs > 0 ? Math.max(100, Math.floor(ttlMs / 3)) : 60_000);
    this.renewer.unref();
  }

  /**
   * The slots, when one of the worker's tasks declares a limit: undefined otherwise, so workers
   * without limits open nothing. A full key may hold at most half the worker's slots waiting
   * (gate.ts).
   */
  static openIfLimited(
    nc: NatsConnection,
    queue: string,
    tasks: Iterable<{ def: { options: { concurrency?: unknown } } }>,
    opts: { owner: string; concurrency: number; log: Logger; registry: Registry },
  ): Promise<KeySlots | undefined> {
    if (![...tasks].some((t) => t.def.options.concurrency)) return Promise.resolve(undefined);
    return KeySlots.open(nc, queue, { ...opts, maxWaiting: Math.ceil(opts.concurrency / 2) });
  }

  /**
   * Opens the queue's slot bucket and its watch. Undefined when the queue has none (set up before
   * per-key limits existed): a warning, and limited tasks run without their limit until the queue
   * is synced again and the worker restarted, as with cancels.
   */
  static async open(nc: NatsConnection, queue: string, opts: { owner: string; maxWaiting: number; log: Logger; registry?: Registry }): Promise<KeySlots | undefined> {
    const { owner, maxWaiting, log } = opts;
    let kv: KV;
    let ttlMs: number;
    try {
      kv = await new Kvm(nc).open(slotBucketName(queue));
      ttlMs = (await kv.status()).ttl;
    } catch (err) {
      log.warn({ queue, err }, 'queue has no concurrency slot bucket; per-key limits are not applied');
      return undefined;
    }
    // Unreadable (permissions): plain copies, which only cost waiting tasks their full wait.
    const schedulable = await jetstreamManager(nc)
      .then((jsm) => jsm.streams.info(queueNames(queue).stream))
      .then((info) => info.config.allow_msg_schedules === true)
      .catch(() => false);
    if (ttlMs <= 0) log.warn({ queue }, 'concurrency slot bucket has no max age; the slots of a dead worker will never be freed');
    const slots = new KeySlots(kv, ttlMs, schedulable, maxWaiting, owner, log);
    if (opts.registry) slots.metrics = new KeyMetrics(opts.registry, queue, { waiting: () => slots.waiting, held: () => slots.heldCount });
    await slots.startWatch();
    return slots;
  }

  /**
   * Takes a free slot of `prefix` (one of `limit`), trying them from a random index so that
   * workers racing for one key spread over its slots. Undefined when all are taken; rejects when
   * the bucket cannot be reached (the caller keeps the task waiting: running it could break the limit).
   */
  async tryAcquire(prefix: string, limit: number, holder: string): Promise<HeldSlot | undefined> {
    const start = Math.floor(Math.random() * limit);
    const value = JSON.stringify({ worker: this.owner, task: holder, at: Date.now() });
    for (let i = 0; i < limit; i++) {
      const key = `${prefix}.${(start + i) % limit}`;
      try {
        const revision = await this.create(key, value);
        const slot = { key, revision };
        this.held.add(slot);
        return slot;
      } catch (err) {
        if (!isTaken(err)) throw err;
      }
    }
    return undefined;
  }

  /**
   * `kv.create` over a delete marker costs three round trips (the refused create, a read of the
   * marker, the write); with the marker's revision from the watch it is one update. A stale
   * revision (the marker expired, or a newer write the watch has not shown yet) falls back.
   */
  private async create(key: string, value: string): Promise<number> {
    const marker = this.markers.get(key);
    if (marker !== undefined) {
      this.markers.delete(key);
      try {
        return await this.kv.update(key, value, marker);
      } catch (err) {
        if (!isTaken(err)) throw err;
      }
    }
    return this.kv.create(key, value);
  }

  /** Gives the slot back; a slot renewed by nobody since (ours expired, someone else took it) is left alone. */
  free(slot: HeldSlot): void {
    if (!this.held.delete(slot)) return;
    // The renewal's answer deletes it, with the revision it wrote.
    if (!slot.renewing) this.delete(slot);
  }

  private delete(slot: HeldSlot): void {
    this.kv.delete(slot.key, { previousSeq: slot.revision }).catch((err: unknown) => {
      // It expires after ttlMs all the same.
      this.log.debug({ err, slot: slot.key }, 'could not delete concurrency slot');
    });
  }

  /** A wait for a slot of `prefix` to be freed (deleted or expired); open it before trying the slots. */
  waitFor(prefix: string): SlotWait {
    return this.wakeups.open(prefix);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** Ends every wait now (the worker is stopping): waiting tasks are handed back. */
  stopWaiting(): void {
    this.wakeups.close();
  }

  /** Stops renewing and watching; slots still held expire after `ttlMs`. */
  close(): void {
    clearInterval(this.renewer);
    this.watch?.stop();
    this.wakeups.close();
  }

  /** Rewrites every held slot, restarting its TTL; a slot lost meanwhile (a long partition) is dropped and logged. */
  private renewAll(): void {
    for (const slot of this.held) {
      if (slot.renewing) continue;
      slot.renewing = true;
      const value = JSON.stringify({ worker: this.owner, renewedAt: Date.now() });
      this.kv.update(slot.key, value, slot.revision).then(
        (revision) => {
          slot.renewing = false;
          slot.revision = revision;
          if (!this.held.has(slot)) this.delete(slot); // freed while the renewal was on its way
        },
        (err: unknown) => {
          slot.renewing = false;
          if (!isTaken(err)) {
            // Unreachable now: the next renewal tries again, or the freed slot is deleted now.
            if (!this.held.has(slot)) this.delete(slot);
            return;
          }
          this.held.delete(slot);
          this.log.warn({ slot: slot.key }, 'concurrency slot expired while its task ran; the key may run one over its limit');
        },
      );
    }
  }

  private async startWatch(): Promise<void> {
    this.watch = await this.kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
    const watch = this.watch;
    void (async () => {
      for await (const e of watch) {
        if (e.operation === 'PUT') {
          this.markers.delete(e.key);
          continue;
        }
        // Bounded: markers expire with the slot TTL, and a full map only costs round trips.
        if (this.markers.size >= MAX_MARKERS) this.markers.clear();
        this.markers.set(e.key, e.revision);
        this.wakeups.freed(prefixOfSlot(e.key));
      }
    })().catch((err: unknown) => this.log.error({ err }, 'concurrency slot watch ended'));
  }
}

const MAX_MARKERS = 10_000;

/** The slot exists (a create or a renewal found another revision than it expected). */
function isTaken(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}
