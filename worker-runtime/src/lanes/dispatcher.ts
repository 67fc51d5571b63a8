import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { DEFAULTS } from '../defaults.ts';
import { ConsumeLoop } from '../worker/consume-loop.ts';
import type { Semaphore } from '../worker/semaphore.ts';
import { LaneBuffer } from './lane-buffer.ts';
import { lanesOf, type LaneLayout } from './layout.ts';
import { LanePicker, type LaneCounts } from './picker.ts';

export interface LaneDispatcherOptions {
  stream: string;
  layout: LaneLayout;
  /** The worker's prefetch: split over the lanes (DEFAULTS.laneHeldMin at least each). */
  prefetch: number;
  idleHeartbeatMs: number;
  /** Tasks waiting here are still the consumer's: they are kept alive at a third of it. */
  ackWaitMs: number;
  slots: Semaphore;
  shutdown: AbortSignal;
  /** Runs a task in a slot already taken. */
  dispatch(msg: JsMsg): void;
  onActive(active: boolean): void;
  log: Logger;
}

/**
 * The worker's pull side on a queue with lanes: one consume loop per lane (its own durable
 * consumer), each holding a few pulled tasks, and a free slot takes its next task from the lane
 * the picker names. A queue without lanes never gets here: its worker pulls from its one
 * consumer straight into slots (worker.ts), untouched.
 *
 * Why pull ahead per lane instead of asking the server per slot: a pull per task costs a round
 * trip and, on empty lanes, a wasted request per level; held tasks cost only their share of the
 * prefetch. A lane whose buffer just emptied while the server has more counts as having work
 * for a moment (LaneBuffer.expecting), so a refill in flight does not hand its turn to a lower
 * level. A task held here can wait longer than the ack wait under a flood of higher levels, so
 * held tasks report `working()` to keep the server from handing them to another worker.
 */
export class LaneDispatcher {
  private readonly opts: LaneDispatcherOptions;
  private readonly buffers: LaneBuffer[];
  private readonly picker: LanePicker;
  private readonly loops: ConsumeLoop[] = [];
  private readonly keepAlive: NodeJS.Timeout;
  private readonly buckets: number;
  private active = 0;
  private waitingForSlot = false;
  /** A slot taken and kept for the lane `picked`, whose next task is on its way. */
  private heldSlot = false;
  private picked: number | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private now = 0;
  private readonly counts: LaneCounts = {
    lane: (i) => this.buffers[i]!.size,
    expected: (i) => this.buffers[i]!.expecting(this.now, DEFAULTS.laneRefillWaitMs),
    level: (l) => {
      let n = 0;
      for (let b = 0; b < this.buckets; b++) n += this.laneCount(l * this.buckets + b);
      return n;
    },
  };

  constructor(js: JetStreamClient, opts: LaneDispatcherOptions) {
    this.opts = opts;
    const { levels, buckets } = opts.layout;
    this.buckets = buckets;
    const perLane = Math.max(DEFAULTS.laneHeldMin, Math.ceil(opts.prefetch / (levels * buckets)));
    this.buffers = Array.from({ length: levels * buckets }, (_, i) => new LaneBuffer(Math.floor(i / buckets), perLane));
    this.picker = new LanePicker(opts.layout);
    for (const lane of lanesOf(opts.layout)) {
      const buffer = this.buffers[lane.level * buckets + lane.bucket]!;
      this.loops.push(
        new ConsumeLoop(js, {
          stream: opts.stream,
          consumer: lane.consumer,
          prefetch: perLane,
          ackWaitMs: opts.ackWaitMs,
          idleHeartbeatMs: opts.idleHeartbeatMs,
          log: opts.log,
          onActive: (up) => this.laneActive(up),
          onMessage: (m) => this.hold(buffer, m),
        }),
      );
    }
    this.keepAlive = setInterval(() => this.buffers.forEach((b) => b.keepAlive()), Math.max(1_000, opts.ackWaitMs / 3));
    this.keepAlive.unref();
  }

  /** Starts every lane's consume over (a reconnect). */
  restart(): void {
    for (const loop of this.loops) loop.restart();
  }

  /** Stops pulling and hands held tasks straight back. */
  async stop(): Promise<void> {
    clearInterval(this.keepAlive);
    clearTimeout(this.refillTimer);
    const stopping = this.loops.map((l) => l.stop());
    for (const b of this.buffers) b.release();
    await Promise.all(stopping);
    for (const b of this.buffers) b.release();
    if (this.heldSlot) this.opts.slots.release();
    this.heldSlot = false;
  }

  private laneCount(i: number): number {
    const b = this.buffers[i]!;
    return b.size > 0 ? b.size : b.expecting(this.now, DEFAULTS.laneRefillWaitMs) ? 1 : 0;
  }

  private laneActive(up: boolean): void {
    this.active += up ? 1 : -1;
    this.opts.onActive(this.active === this.loops.length);
  }

  private hold(buffer: LaneBuffer, m: JsMsg): void | Promise<void> {
    if (this.opts.shutdown.aborted) {
      m.nak(); // pulled but never started: hand it straight back
      return;
    }
    const full = buffer.push(m);
    this.pump();
    return full;
  }

  /** Starts held tasks while slots are free; when none is, waits for one and picks then. */
  private pump(): void {
    while (!this.opts.shutdown.aborted) {
      if (!this.heldSlot) {
        if (!this.buffers.some((b) => b.size > 0)) return;
        if (!this.opts.slots.tryAcquire()) return this.waitForSlot();
        this.heldSlot = true;
      }
      if (!this.startNext()) return;
    }
  }

  private waitForSlot(): void {
    if (this.waitingForSlot) return;
    this.waitingForSlot = true;
    void this.opts.slots.acquire().then(() => {
      this.waitingForSlot = false;
      if (this.heldSlot || this.opts.shutdown.aborted) this.opts.slots.release();
      else this.heldSlot = true;
      // The pick happens now, when the slot is free: a task that arrived meanwhile in a higher lane goes first.
      this.pump();
    });
  }

  /**
   * Gives the held slot a task: of the lane picked earlier if its refill has come, else of the
   * lane the picker names now. False when the slot stays held (a refill is awaited) or was given up.
   */
  private startNext(): boolean {
    this.now = Date.now();
    const index = this.picked ?? this.picker.pick(this.counts);
    if (index === undefined) {
      this.heldSlot = false;
      this.opts.slots.release();
      return false;
    }
    const m = this.buffers[index]!.take(this.now);
    if (!m) {
      this.awaitRefill(index);
      return false;
    }
    this.picked = undefined;
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.heldSlot = false;
    this.opts.dispatch(m);
    return true;
  }

  /** Keeps the slot for lane `index` until its task arrives (hold -> pump) or the wait runs out. */
  private awaitRefill(index: number): void {
    if (this.picked === index) return;
    this.picked = index;
    this.refillTimer = setTimeout(() => {
      this.picked = undefined;
      this.refillTimer = undefined;
      this.pump();
    }, DEFAULTS.laneRefillWaitMs);
  }
}
