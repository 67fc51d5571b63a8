import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { isNotFound } from '../topology/ensure-queue.ts';

export interface ConsumeLoopOptions {
  stream: string;
  consumer: string;
  /** Messages pulled ahead of processing at first; bounds what one worker hoards. See `resize`. */
  prefetch: number;
  idleHeartbeatMs: number;
  /** The consumer's ack wait: a pulled message that waits here says `working()` well within it. */
  ackWaitMs: number;
  /** Called for each message; resolves when the loop may pass on the next one (a slot is free). */
  onMessage(msg: JsMsg): void | Promise<void>;
  onActive(active: boolean): void;
  log: Logger;
}

/**
 * Pulls a consumer's messages for as long as the worker runs and passes them on one at a time.
 *
 * Every message pulled is kept alive (`working()`) until it is passed on: a pulled message that
 * waits for a slot has its ack wait running, and one that outlives it is redelivered to another
 * worker while this one still holds it, then runs twice (seen with tasks longer than the ack
 * wait behind busy slots: 8 tasks, 14 runs). nats.js's `consume()` cannot give that: the
 * messages it has received but not yet yielded are out of reach, and it keeps pulling only as
 * fast as they are yielded. So this loop runs its own pulls (`fetch()`), takes each message the
 * moment it arrives into `waiting`, where a ticker keeps it alive, and asks for more only while
 * `waiting` plus what is still asked for stays within `prefetch`, in pulls of half of it at least,
 * so pulls overlap the work and no task waits a round trip.
 *
 * A pull that fails (consumer or stream deleted, heartbeats missed, server away) is followed by a
 * fresh consumer lookup with backoff, and `onActive` tells readiness the truth in between.
 */
export class ConsumeLoop {
  private stopped = false;
  private consumer: Consumer | undefined;
  private looking = false;
  private failures = 0;
  private active = false;
  private prefetch: number;
  /** Messages asked for by live pulls and not yet received. */
  private requested = 0;
  private readonly pulls = new Set<ConsumerMessages>();
  /** Pulled, kept alive, not yet passed on; `head` is the next one. */
  private waiting: JsMsg[] = [];
  private head = 0;
  /** Passed on, its `onMessage` not yet resolved (waiting for a slot): kept alive too. */
  private inHand: JsMsg | undefined;
  private pumping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly js: JetStreamClient;
  private readonly opts: ConsumeLoopOptions;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(js: JetStreamClient, opts: ConsumeLoopOptions) {
    this.js = js;
    this.opts = opts;
    this.prefetch = Math.max(1, opts.prefetch);
    // Three chances per ack window, as running tasks get (in-flight.ts).
    this.keepAlive = setInterval(() => this.sayWorking(), Math.max(100, Math.floor(opts.ackWaitMs / 3)));
    this.keepAlive.unref();
    void this.lookUp();
  }

  /** Messages pulled and not yet passed on. */
  get held(): number {
    return this.waiting.length - this.head + (this.inHand ? 1 : 0);
  }

  /**
   * Starts the pulls over after a reconnect: a pull the old connection made may be gone from the
   * server. Messages already pulled stay here, kept alive, and are passed on as before.
   */
  restart(): void {
    if (this.stopped) return;
    this.opts.log.info({ stream: this.opts.stream }, 'reconnected; recreating consume');
    this.consumer = undefined;
    clearTimeout(this.retryTimer);
    this.failures = 0;
    for (const p of this.pulls) void p.close().catch(() => undefined);
    void this.lookUp();
  }

  /** Pulls ahead `prefetch` messages from the next pull on (worker/read-ahead.ts). */
  resize(prefetch: number): void {
    this.prefetch = Math.max(1, prefetch);
    this.refill();
  }

  /** Stops pulling and hands back (nak) what was pulled and not passed on. */
  async stop(): Promise<void> {
    this.stopped = true;
    // A message waiting for a slot stays ours until it gets one (pumpAll stops the ticker then).
    if (!this.inHand) clearInterval(this.keepAlive);
    clearTimeout(this.retryTimer);
    await Promise.all([...this.pulls].map((p) => p.close().catch(() => undefined)));
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.nak();
    this.waiting = [];
    this.head = 0;
    this.setActive(false);
    this.resolveDone();
  }

  private async lookUp(): Promise<void> {
    if (this.looking || this.stopped) return;
    this.looking = true;
    try {
      const consumer = await this.js.consumers.get(this.opts.stream, this.opts.consumer);
      if (this.stopped) return;
      this.consumer = consumer;
      this.setActive(true);
    } catch (err) {
      this.failed(err, 'consumer lookup failed; retrying');
    } finally {
      this.looking = false;
    }
    this.refill();
  }

  /** Asks for more once what is held and asked for leaves room for a worthwhile pull. */
  private refill(): void {
    if (this.stopped || !this.consumer || this.looking) return;
    const room = this.prefetch - this.held - this.requested;
    const worthwhile = Math.max(1, Math.floor(this.prefetch / 2));
    if (room >= worthwhile || (room > 0 && this.requested === 0)) void this.pull(this.consumer, room);
  }

  private async pull(consumer: Consumer, n: number): Promise<void> {
    this.requested += n;
    let received = 0;
    let refillNow = true;
    try {
      const messages = await consumer.fetch({ max_messages: n, expires: DEFAULTS.pullExpiresMs, idle_heartbeat: this.opts.idleHeartbeatMs });
      if (this.stopped) {
        await messages.close().catch(() => undefined); // stop() ran while this pull was being made
      }
      this.pulls.add(messages);
      try {
        for await (const m of messages) {
          received++;
          this.requested--;
          if (this.stopped) {
            m.nak(); // pulled but never passed on: hand it straight back
            continue;
          }
          this.waiting.push(m);
          this.answered();
          this.pump();
        }
      } finally {
        this.pulls.delete(messages);
      }
      // A pull that ends without an error has expired or been filled: the consumer is fine.
      this.answered();
    } catch (err) {
      if (this.stopped) {
        // nothing more to ask
      } else if (isConsumerGone(err)) {
        if (this.consumer === consumer) {
          this.consumer = undefined;
          this.failed(err, 'consume failed; restarting');
        }
      } else {
        // The consumer is there; this pull was refused (max_waiting) or not answered (its leader
        // died, heartbeats missed, the server going down). Pull again soon, without a lookup: the
        // pull goes to whichever server leads the consumer now, as nats.js's consume() does.
        const limited = isPullLimit(err);
        if (!limited) this.setActive(false);
        this.retryPull(err, this.retryDelayMs(limited));
        refillNow = false;
      }
    } finally {
      this.requested -= n - received;
    }
    if (refillNow) this.refill();
  }

  private retryPull(err: unknown, delayMs: number): void {
    this.opts.log.warn({ err, stream: this.opts.stream }, 'pull failed; pulling again');
    this.failures++;
    setTimeout(() => this.refill(), delayMs).unref();
  }

  /** A pull delivered or ended cleanly: the consumer answers. */
  private answered(): void {
    this.failures = 0;
    if (this.consumer) this.setActive(true);
  }

  private backoffMs(): number {
    return Math.min(DEFAULTS.consumeRestartMaxDelayMs, 100 * 2 ** Math.min(this.failures, 10));
  }

  /** The full backoff when asking soon cannot help (nothing there, too many pulls), else at most consumerRetryMaxDelayMs. */
  private retryDelayMs(backOff: boolean): number {
    return backOff ? this.backoffMs() : Math.min(this.backoffMs(), DEFAULTS.consumerRetryMaxDelayMs);
  }

  private failed(err: unknown, message: string): void {
    this.setActive(false);
    if (this.stopped) return;
    this.opts.log.warn({ err, stream: this.opts.stream }, message);
    this.failures++;
    clearTimeout(this.retryTimer);
    // A consumer or stream that is not there backs off (up to 10 s: no spinning on a deleted
    // queue); one that does not answer yet (JetStream recovering after a restart, an election,
    // a timeout) is asked again soon, or a worker would resume seconds after its server did.
    this.retryTimer = setTimeout(() => void this.lookUp(), this.retryDelayMs(isNotFound(err)));
  }

  /** Passes waiting messages on in order, one at a time, each once `onMessage` says it may. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    void this.pumpAll();
  }

  private async pumpAll(): Promise<void> {
    try {
      while (this.head < this.waiting.length && !this.stopped) {
        const m = this.next();
        try {
          const slot = this.opts.onMessage(m);
          if (slot) {
            // Most messages find a free slot at once: skip the microtask an `await undefined` costs.
            this.inHand = m;
            this.refill();
            await slot;
          }
        } catch (err) {
          this.opts.log.error({ err, stream: this.opts.stream }, 'passing a pulled message on failed');
        } finally {
          this.inHand = undefined;
        }
        this.refill();
      }
    } finally {
      // In the same tick the loop ends: a message pushed right after must start a new pump.
      this.pumping = false;
      if (this.stopped) clearInterval(this.keepAlive);
    }
  }

  /** Takes the next waiting message; the array is dropped or compacted as it empties, never grows without end. */
  private next(): JsMsg {
    const m = this.waiting[this.head]!;
    this.waiting[this.head++] = undefined as unknown as JsMsg;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  private sayWorking(): void {
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.working();
    this.inHand?.working();
  }

  private setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.opts.onActive(active);
  }
}

/** The consumer or its stream is not there (deleted, never made): only a lookup can tell when it is back. */
function isConsumerGone(err: unknown): boolean {
  return isNotFound(err) || /consumer (deleted|not found)|stream not found/i.test(String((err as Error)?.message ?? ''));
}

/** nats.js's answer when the consumer has as many waiting pulls as it allows (409 Exceeded MaxWaiting and its kin). */
function isPullLimit(err: unknown): boolean {
  return /exceeded max/i.test(String((err as Error)?.message ?? ''));
}
