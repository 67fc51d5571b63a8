import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { taskNameFromSubject } from '../protocol.ts';
import type { Semaphore } from '../worker/semaphore.ts';
import { rateLimitKey, type RateLimit } from './limit.ts';
import { Limiter } from './limiter.ts';
import type { RateLimitWatch } from './watch.ts';

export interface RateGateOptions {
  nc: NatsConnection;
  queue: string;
  /** The stored limits (operator, API); they override a task's own `rateLimit`. */
  watch: RateLimitWatch;
  /** Tasks' own `rateLimit` options, by task name. */
  taskLimits: ReadonlyMap<string, RateLimit>;
  /** The worker's task slots, and how a message holding one starts. */
  slots: Semaphore;
  dispatch: (m: JsMsg) => void;
  /** Aborted when the worker stops: held tasks are handed back. */
  shutdown: AbortSignal;
  /** The consumer's ack wait; held tasks say `working()` well within it. */
  ackWaitMs: number;
  log: Logger;
}

/**
 * The worker's rate-limit gate, between a delivered message and its start. A task under no limit
 * passes straight on (`next`); a limited one is held, without a slot and with its ack deadline
 * kept alive (so the wait is neither a failure nor an attempt), until each of its limits (its
 * task's, then the queue's) grants it a token; then it takes a slot. A token counts in one window:
 * if the slot came only after that window ended, the slot is given back and a new token taken, so
 * a window's starts never exceed its limit. Holding does not stop the pulls (tasks behind it run)
 * until the worker holds `rateLimitMaxHeld` tasks; then it pulls again once one leaves.
 */
export class RateGate {
  private readonly limiters = new Map<string, Limiter>();
  private readonly held = new Set<JsMsg>();
  private readonly roomWaiters: Array<() => void> = [];
  private readonly keepAlive: NodeJS.Timeout;
  private readonly opts: RateGateOptions;
  private closed = false;

  constructor(opts: RateGateOptions) {
    this.opts = opts;
    opts.watch.onChange = (key) => this.limiters.get(key)?.wake();
    // A third of the ack wait leaves two chances before the server would redeliver.
    this.keepAlive = setInterval(() => {
      for (const m of this.held) m.working();
    }, Math.max(100, Math.floor(opts.ackWaitMs / 3))).unref();
  }

  /**
   * Passes `msg` to `next` (the worker's usual path to a slot) if no limit applies, else holds it.
   * The result resolves when the consume loop may take the next message.
   */
  admit(msg: JsMsg, next: (m: JsMsg) => void | Promise<void>, o: { holdsSlot?: boolean } = {}): void | Promise<void> {
    const keys = this.closed ? [] : this.limitsOf(msg.subject);
    if (keys.length === 0) return next(msg);
    // A held task waits without a slot (a lane hands tasks over with one): it takes one with its tokens.
    if (o.holdsSlot) this.opts.slots.release();
    void this.hold(msg, keys);
    if (this.held.size < DEFAULTS.rateLimitMaxHeld) return;
    return new Promise<void>((r) => this.roomWaiters.push(r));
  }

  /** Stops granting; held tasks without a slot are handed back (nak) at once. */
  close(): void {
    this.closed = true;
    this.opts.watch.close();
    clearInterval(this.keepAlive);
    for (const l of this.limiters.values()) l.close();
    for (const r of this.roomWaiters.splice(0)) r();
  }

  /** The limits bucket keys that apply to a task subject, task limit first. */
  private limitsOf(subject: string): string[] {
    const { watch, taskLimits } = this.opts;
    if (watch.size === 0 && taskLimits.size === 0) return [];
    const task = taskNameFromSubject(this.opts.queue, subject);
    const keys: string[] = [];
    if (task !== undefined && (taskLimits.has(task) || watch.get(rateLimitKey({ task })))) keys.push(rateLimitKey({ task }));
    if (watch.get('queue')) keys.push('queue');
    return keys;
  }

  private async hold(msg: JsMsg, keys: string[]): Promise<void> {
    const { slots, shutdown, dispatch } = this.opts;
    this.held.add(msg);
    try {
      for (;;) {
        const endsAt = await this.takeTokens(keys);
        if (endsAt === undefined) return msg.nak(); // closing: hand it back, as an unstarted pull is
        if (!slots.tryAcquire()) await slots.acquire();
        if (shutdown.aborted) {
          slots.release();
          return msg.nak();
        }
        if (Date.now() < endsAt) return dispatch(msg);
        slots.release(); // the token's window is over: starting now would count in the next one
      }
    } catch (err) {
      this.opts.log.error({ err, subject: msg.subject }, 'rate-limited task could not be passed on');
    } finally {
      this.held.delete(msg);
      this.roomWaiters.shift()?.();
    }
  }

  /** One token from each limit; when the earliest of their windows ends, undefined if closing. */
  private async takeTokens(keys: string[]): Promise<number | undefined> {
    let endsAt = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const e = await this.limiter(key).take();
      if (e === undefined) return undefined;
      endsAt = Math.min(endsAt, e);
    }
    return endsAt;
  }

  private limiter(key: string): Limiter {
    let l = this.limiters.get(key);
    if (!l) {
      const task = key.startsWith('task.') ? key.slice(5) : undefined;
      const { watch, taskLimits } = this.opts;
      const current = () => watch.get(key) ?? (task === undefined ? undefined : taskLimits.get(task));
      l = new Limiter(this.opts.nc, this.opts.queue, key, current, this.opts.slots.size, this.opts.log);
      this.limiters.set(key, l);
    }
    return l;
  }
}
