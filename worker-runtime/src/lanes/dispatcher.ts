import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { ConsumeLoop } from '../worker/consume-loop.ts';
import type { Semaphore } from '../worker/semaphore.ts';
import { lanesOf, type LaneLayout } from './layout.ts';
import { LanePicker } from './picker.ts';

export interface LaneDispatcherOptions {
  stream: string;
  layout: LaneLayout;
  /** The worker's prefetch: split over the lanes, at least one task each. */
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

/** One lane's pulled tasks waiting for a slot. */
interface LaneBuffer {
  readonly level: number;
  readonly msgs: JsMsg[];
  /** Resolves the lane's consume loop, held while its buffer is full. */
  resume: (() => void) | undefined;
}

/**
 * The worker's pull side on a queue with lanes: one consume loop per lane (its own durable
 * consumer), each holding a few pulled tasks, and a free slot takes its next task from the lane
 * the picker names. A queue without lanes never gets here: its worker pulls from its one
 * consumer straight into slots (worker.ts), untouched.
 *
 * Why pull ahead per lane instead of asking the server per slot: a pull per task costs a round
 * trip and, on empty lanes, a wasted request per level; held tasks cost only their share of the
 * prefetch. A task held here can wait longer than the ack wait under a flood of higher levels, so
 * held tasks report `working()` to keep the server from handing them to another worker.
 */
export class LaneDispatcher {
  private readonly opts: LaneDispatcherOptions;
  private readonly buffers: LaneBuffer[];
  private readonly levelCounts: number[];
  private readonly picker: LanePicker;
  private readonly loops: ConsumeLoop[] = [];
  private readonly perLane: number;
  private readonly keepAlive: NodeJS.Timeout;
  private active = 0;
  private waitingForSlot = false;
  private readonly counts = {
    lane: (i: number) => this.buffers[i]!.msgs.length,
    level: (l: number) => this.levelCounts[l]!,
  };

  constructor(js: JetStreamClient, opts: LaneDispatcherOptions) {
    this.opts = opts;
    const { levels, buckets } = opts.layout;
    this.buffers = Array.from({ length: levels * buckets }, (_, i) => ({ level: Math.floor(i / buckets), msgs: [], resume: undefined }));
    this.levelCounts = new Array<number>(levels).fill(0);
    this.picker = new LanePicker(opts.layout);
    this.perLane = Math.max(1, Math.ceil(opts.prefetch / (levels * buckets)));
    for (const lane of lanesOf(opts.layout)) {
      const buffer = this.buffers[lane.level * buckets + lane.bucket]!;
      this.loops.push(
        new ConsumeLoop(js, {
          stream: opts.stream,
          consumer: lane.consumer,
          prefetch: this.perLane,
          idleHeartbeatMs: opts.idleHeartbeatMs,
          log: opts.log,
          onActive: (up) => this.laneActive(up),
          onMessage: (m) => this.hold(buffer, m),
        }),
      );
    }
    this.keepAlive = setInterval(() => this.keepHeldAlive(), Math.max(1_000, opts.ackWaitMs / 3));
    this.keepAlive.unref();
  }

  /** Starts every lane's consume over (a reconnect). */
  restart(): void {
    for (const loop of this.loops) loop.restart();
  }

  /** Stops pulling and hands held tasks straight back. */
  async stop(): Promise<void> {
    clearInterval(this.keepAlive);
    const stopping = this.loops.map((l) => l.stop());
    for (const b of this.buffers) b.resume?.();
    await Promise.all(stopping);
    for (const b of this.buffers) for (const m of b.msgs.splice(0)) m.nak();
    this.levelCounts.fill(0);
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
    buffer.msgs.push(m);
    this.levelCounts[buffer.level]!++;
    this.pump();
    if (buffer.msgs.length < this.perLane) return;
    return new Promise<void>((r) => (buffer.resume = r));
  }

  /** Starts held tasks while slots are free; when none is, waits for one and picks then. */
  private pump(): void {
    while (!this.opts.shutdown.aborted && this.levelCounts.some((n) => n > 0)) {
      if (!this.opts.slots.tryAcquire()) {
        this.waitForSlot();
        return;
      }
      this.startNext();
    }
  }

  private waitForSlot(): void {
    if (this.waitingForSlot) return;
    this.waitingForSlot = true;
    void this.opts.slots.acquire().then(() => {
      this.waitingForSlot = false;
      // The pick happens now, when the slot is free: a task that arrived meanwhile in a higher lane goes first.
      this.startNext();
      this.pump();
    });
  }

  /** Takes the picked lane's oldest task into the slot the caller holds. */
  private startNext(): void {
    const index = this.opts.shutdown.aborted ? undefined : this.picker.pick(this.counts);
    const buffer = index === undefined ? undefined : this.buffers[index];
    const m = buffer?.msgs.shift();
    if (!buffer || !m) {
      this.opts.slots.release();
      return;
    }
    this.levelCounts[buffer.level]!--;
    if (buffer.resume && buffer.msgs.length < this.perLane) {
      const resume = buffer.resume;
      buffer.resume = undefined;
      resume();
    }
    this.opts.dispatch(m);
  }

  private keepHeldAlive(): void {
    for (const b of this.buffers) for (const m of b.msgs) m.working();
  }
}
