import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { resizeConsume } from './read-ahead.ts';

export interface ConsumeLoopOptions {
  stream: string;
  consumer: string;
  /** Messages pulled ahead of processing at first; bounds what one worker hoards. See `resize`. */
  prefetch: number;
  idleHeartbeatMs: number;
  /** Called for each message; resolves when the loop may pull the next one (a slot is free). */
  onMessage(msg: JsMsg): void | Promise<void>;
  onActive(active: boolean): void;
  log: Logger;
}

/**
 * Keeps one `consume()` alive for as long as the worker runs. nats.js ends a consume silently on
 * some errors (stream or consumer deleted, too many missed heartbeats); a worker that quietly
 * stops consuming is the classic Celery/BullMQ failure, so every end is followed by a restart
 * with backoff, and `onActive` tells readiness the truth in between.
 */
export class ConsumeLoop {
  private stopped = false;
  private current: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private prefetch: number;
  readonly done: Promise<void>;
  private readonly js: JetStreamClient;
  private readonly opts: ConsumeLoopOptions;

  constructor(js: JetStreamClient, opts: ConsumeLoopOptions) {
    this.js = js;
    this.opts = opts;
    this.prefetch = opts.prefetch;
    this.done = this.run();
  }

  /**
   * Starts over with a fresh consume; called on every reconnect. nats.js re-pulls by itself after
   * a reconnect, but when its first consumer lookup fails (no consumer leader yet after a node
   * loss, JetStream still recovering after a restart) it waits its pull expiry, jittered (15 to
   * 45 s), with heartbeat monitoring off: a silent stall on a healthy-looking connection. Here the
   * lookup is retried within a second, and readiness is false until it succeeds. Messages already
   * delivered to the old consume are still handed over before it ends.
   */
  restart(): void {
    if (this.stopped || !this.current) return;
    this.opts.log.info({ stream: this.opts.stream }, 'reconnected; recreating consume');
    void this.current.close().catch(() => undefined);
  }

  /** Pulls ahead `prefetch` messages from the next pull on (worker/read-ahead.ts), and in every later consume. */
  resize(prefetch: number): void {
    if (this.current && !resizeConsume(this.current, prefetch)) return; // an unknown nats.js: keep the size
    this.prefetch = prefetch;
  }

  /** Stops pulling; messages already delivered stay with the caller. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.current?.close().catch(() => undefined);
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const consumer: Consumer = await this.js.consumers.get(this.opts.stream, this.opts.consumer);
        const messages = await consumer.consume({
          max_messages: this.prefetch,
          idle_heartbeat: this.opts.idleHeartbeatMs,
          // Without this, a deleted stream or consumer makes consume() retry forever while looking alive.
          abort_on_missing_resource: true,
        });
        this.current = messages;
        if (this.stopped) break;
        this.opts.onActive(true);
        this.watch(messages);
        for await (const m of messages) {
          failures = 0;
          // Most messages find a free slot at once: skip the microtask an `await undefined` costs.
          const slot = this.opts.onMessage(m);
          if (slot) await slot;
        }
        if (!this.stopped) this.opts.log.warn({ stream: this.opts.stream }, 'consume ended; restarting');
      } catch (err) {
        if (!this.stopped) this.opts.log.warn({ err, stream: this.opts.stream }, 'consume failed; restarting');
      } finally {
        this.opts.onActive(false);
        this.current = undefined;
      }
      if (this.stopped) break;
      failures++;
      const delay = Math.min(DEFAULTS.consumeRestartMaxDelayMs, 100 * 2 ** Math.min(failures, 10));
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  private watch(messages: ConsumerMessages): void {
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'heartbeats_missed' && s.count >= 3) {
          // The client keeps re-pulling on its own; after several misses start over from a fresh consumer lookup.
          this.opts.log.warn({ count: s.count }, 'consumer heartbeats missed; recreating consume');
          await messages.close().catch(() => undefined);
        } else if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'stream_not_found') {
          this.opts.log.warn({ status: s.type }, 'consumer gone; recreating consume');
          await messages.close().catch(() => undefined);
        }
      }
    })().catch(() => undefined);
  }
}
