import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate. */
  qps: number;
  /** Most tokens held: how many calls may go at once after a quiet spell. */
  burst: number;
  /** Injectable clock for tests (ms). */
  now?: () => number;
}

/**
 * A client-side rate limit, like client-go's flowcontrol token bucket behind controller-runtime's
 * QPS and Burst: each call takes a token, tokens refill at `qps`, at most `burst` are banked.
 * Callers past the limit wait their turn in order rather than fail, so a mass change (1,000
 * objects applied at once) becomes a steady stream of writes instead of a flood the API server
 * would answer with 429s.
 */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;
  /** When the last reserved token becomes available: reservations queue behind it. */
  #waited = 0;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.qps > 0) || !(opts.burst >= 1)) throw new RangeError(`token bucket needs qps > 0 and burst >= 1, got ${opts.qps}/${opts.burst}`);
    this.qps = opts.qps;
    this.burst = opts.burst;
    this.#now = opts.now ?? Date.now;
    this.#tokens = opts.burst;
    this.#at = this.#now();
  }

  /**
   * Takes a token and returns how long the caller must wait before using it (0: go now). Tokens
   * may go negative: each reservation is a debt that the refill pays off in order.
   */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.qps) / 1000);
    this.#at = now;
    this.#tokens -= 1;
    const delayMs = this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.qps);
    this.#waited = delayMs;
    return delayMs;
  }

  /**
   * Takes a token only if one is free now; for writes worth skipping rather than queueing (a
   * status refresh that the next poll repeats anyway).
   */
  tryTake(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.qps) / 1000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** The wait the last reservation was given (a metric of how far behind writes are). */
  get lastDelayMs(): number {
    return this.#waited;
  }

  /** Waits for a token. */
  async take(signal?: AbortSignal): Promise<void> {
    const delayMs = this.reserve();
    if (delayMs > 0) await sleep(delayMs, undefined, signal ? { signal } : {});
  }
}
