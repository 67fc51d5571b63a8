import { DEFAULTS } from '../defaults.ts';

/**
 * Messages to pull ahead when `prefetch` is not set: the slots, plus as many more as this worker
 * starts in `readAheadWindowMs` at its recent rate, at most `readAheadMaxExtra`. Pulling only
 * `concurrency` makes every task at concurrency 1 wait a pull round trip (about 1k tasks/s,
 * docs/benchmarks.md); pulling a fixed extra would let a worker of slow tasks hoard them, and a
 * buffered task waits unacknowledged, its ack wait running, while another pod could run it. Sized
 * by the rate, a buffered task waits about the window before it starts: short tasks get a full
 * buffer, tasks of a second or more none, and an idle worker (rate 0) pulls its slots only.
 */
export function readAheadSize(concurrency: number, tasksPerSecond: number): number {
  const extra = Math.floor((tasksPerSecond * DEFAULTS.readAheadWindowMs) / 1000);
  return concurrency + Math.max(0, Math.min(DEFAULTS.readAheadMaxExtra, extra));
}

/**
 * Measures the worker's rate of taken messages and resizes its read-ahead every
 * `readAheadIntervalMs`. Only used when the worker's `prefetch` is not set.
 */
export class ReadAhead {
  /** Messages taken by the worker; the worker counts them, this reads the difference per tick. */
  taken = 0;
  private lastTaken = 0;
  private lastAt = Date.now();
  private readonly ticker: NodeJS.Timeout;
  private readonly firstTick: NodeJS.Timeout;

  constructor(concurrency: number, apply: (size: number) => void) {
    const tick = () => {
      const now = Date.now();
      const rate = ((this.taken - this.lastTaken) * 1000) / Math.max(1, now - this.lastAt);
      this.lastTaken = this.taken;
      this.lastAt = now;
      apply(readAheadSize(concurrency, rate));
    };
    this.ticker = setInterval(tick, DEFAULTS.readAheadIntervalMs);
    this.ticker.unref();
    // A worker starts knowing no rate, so it pulls its slots only: a pod started on a backlog
    // (the autoscaler's case) would pull one round trip per slot until the first tick. A first
    // look sooner ends that in 50 ms instead of 250.
    this.firstTick = setTimeout(tick, DEFAULTS.readAheadFirstTickMs);
    this.firstTick.unref();
  }

  close(): void {
    clearInterval(this.ticker);
    clearTimeout(this.firstTick);
  }
}
