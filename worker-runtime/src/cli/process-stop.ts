/** Why the worker process stops: the exit code it ends with and how long running tasks get. */
export interface StopRequest {
  why: string;
  exitCode: number;
  /** Drain bound for this stop; undefined = the configured drain (CELERIAC_DRAIN_TIMEOUT_MS). */
  drainTimeoutMs?: number;
}

/**
 * The one stop of a worker process. The first request decides the drain; a later, worse one
 * (an uncaught exception during a SIGTERM drain) still raises the exit code, so Kubernetes sees
 * the failure.
 */
export class ProcessStop {
  private first: StopRequest | undefined;
  private exitCode = 0;
  private resolve!: (r: StopRequest) => void;
  /** Resolves with the first request. */
  readonly requested = new Promise<StopRequest>((r) => (this.resolve = r));
  private readonly aborter = new AbortController();
  /** Aborted by the first request: stops waits that are still in progress (e.g. for the queue). */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  get current(): StopRequest | undefined {
    return this.first;
  }

  /** The exit code owed: the highest of all requests so far. */
  get code(): number {
    return this.exitCode;
  }

  request(r: StopRequest): void {
    this.exitCode = Math.max(this.exitCode, r.exitCode);
    if (this.first) return;
    this.first = r;
    this.resolve(r);
    this.aborter.abort(r.why);
  }
}
