import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import { defaults } from './defaults.ts';
import { requestJson, statusCodeOf } from './kube-http.ts';
import { heldSpec, mayHold, releasedSpec, type Lease } from './lease-record.ts';
import { silentLogger, type Logger } from './log.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** Where the Lease lives (the operator's namespace) and its name. */
  namespace: string;
  name: string;
  /** Unique per replica. Default: `defaultIdentity()`. */
  identity?: string;
  /** How long a lease is valid without renewal. Default: `defaults.leaseDurationMs`. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long stops acting. Default: `defaults.renewDeadlineMs`. */
  renewDeadlineMs?: number;
  /** Interval between renewals and between a candidate's attempts. Default: `defaults.retryPeriodMs`. */
  retryPeriodMs?: number;
  /**
   * Called when this replica becomes leader. `signal` aborts the moment it must stop acting
   * (lost lease, renew deadline passed, or `run` stopped).
   */
  onStartedLeading(signal: AbortSignal): void;
  /**
   * Called right after `signal` aborts. On a graceful stop the lease is released only after the
   * returned promise settles, so the next leader never overlaps work still finishing here.
   */
  onStoppedLeading?(): void | Promise<void>;
  /** Called when a different holder is seen (including this replica). */
  onNewLeader?(identity: string): void;
  logger?: Logger;
}

/** `hostname_uuid`: the pod name says who leads; the uuid keeps a restarted pod distinct. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

type Attempt = { held: true; startedAt: number } | { held: false; byOther: boolean };

/**
 * Lease-based leader election, as client-go's leaderelection does it: a candidate polls the
 * Lease and takes it when free or expired; the leader renews it every retry period with
 * optimistic concurrency (resourceVersion), stops acting as soon as it has not renewed for the
 * renew deadline (shorter than the lease duration, so it stops before anyone may take over), and
 * releases it on a graceful stop so a standby takes over within one retry period.
 */
export class LeaderElector {
  readonly identity: string;
  readonly #opts: LeaderElectionOptions;
  readonly #kc: KubeConfig;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #path: string;
  readonly #log: Logger;
  /** The last Lease we read or wrote, and when we first saw that version of it. */
  #observed: Lease | undefined;
  #observedAtMs = 0;
  #leading = false;

  constructor(opts: LeaderElectionOptions) {
    this.#opts = opts;
    this.#kc = opts.kubeConfig;
    this.identity = opts.identity ?? defaultIdentity();
    this.#leaseDurationMs = opts.leaseDurationMs ?? defaults.leaseDurationMs;
    this.#renewDeadlineMs = opts.renewDeadlineMs ?? defaults.renewDeadlineMs;
    this.#retryPeriodMs = opts.retryPeriodMs ?? defaults.retryPeriodMs;
    if (this.#renewDeadlineMs >= this.#leaseDurationMs) throw new Error('renewDeadlineMs must be shorter than leaseDurationMs');
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases`;
    this.#log = (opts.logger ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: this.identity });
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Campaigns, leads, and campaigns again after a loss, until `signal` aborts; then steps down. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const attempt = await this.#campaign(signal);
      if (!attempt) return;
      await this.#lead(attempt.startedAt, signal);
    }
  }

  /** Retries until this replica holds the lease; undefined if `signal` aborted first. */
  async #campaign(signal: AbortSignal): Promise<{ startedAt: number } | undefined> {
    this.#log.info('campaigning for leadership');
    while (!signal.aborted) {
      const attempt = await this.#tryHold();
      if (attempt.held) return attempt;
      // A little jitter keeps candidates that started together from polling in lockstep.
      const wait = this.#retryPeriodMs * (1 + Math.random() * 0.2);
      if (!(await pause(wait, signal))) return undefined;
    }
    return undefined;
  }

  async #lead(heldSince: number, signal: AbortSignal): Promise<void> {
    const term = new AbortController();
    let stopped: Promise<void> = Promise.resolve();
    const stopLeading = (reason: string): void => {
      if (term.signal.aborted) return;
      this.#leading = false;
      term.abort(new Error(`leadership ended: ${reason}`));
      this.#log.info({ reason }, 'stopped leading');
      stopped = this.#notifyStopped();
    };
    let deadline: NodeJS.Timeout | undefined;
    // Armed from when the last successful renew *started*: the server may have stamped it any
    // time after, never before, so this errs on the side of stopping early.
    const armDeadline = (renewStartedAt: number): void => {
      clearTimeout(deadline);
      const ms = renewStartedAt + this.#renewDeadlineMs - Date.now();
      deadline = setTimeout(() => stopLeading('renew deadline passed'), ms);
    };

    this.#leading = true;
    armDeadline(heldSince);
    this.#log.info('started leading');
    try {
      this.#opts.onStartedLeading(term.signal);
    } catch (err) {
      this.#log.error({ err }, 'onStartedLeading threw');
    }

    const until = AbortSignal.any([signal, term.signal]);
    while (await pause(this.#retryPeriodMs, until)) {
      const attempt = await this.#tryHold();
      if (term.signal.aborted) break;
      if (attempt.held) armDeadline(attempt.startedAt);
      else if (attempt.byOther) stopLeading('lease taken by another replica');
    }
    clearTimeout(deadline);
    const graceful = !term.signal.aborted;
    stopLeading('elector stopped');
    await stopped;
    if (graceful) await this.#release();
  }

  async #notifyStopped(): Promise<void> {
    try {
      await this.#opts.onStoppedLeading?.();
    } catch (err) {
      this.#log.error({ err }, 'onStoppedLeading threw');
    }
  }

  /** One acquire-or-renew round trip; never throws. */
  async #tryHold(): Promise<Attempt> {
    const startedAt = Date.now();
    try {
      let current = this.#leading ? this.#observed : undefined;
      if (!current) {
        current = await this.#read();
        if (!current) {
          await this.#write('create', this.#newLease());
          return { held: true, startedAt };
        }
      }
      if (!mayHold(current.spec, this.identity, this.#observedAtMs, Date.now())) return { held: false, byOther: true };
      await this.#write('update', { ...current, spec: heldSpec(current.spec, this.identity, this.#leaseDurationMs, new Date()) });
      return { held: true, startedAt };
    } catch (err) {
      if (statusCodeOf(err) === 409) {
        // Someone wrote the lease since we read it: read it afresh next time.
        this.#observed = undefined;
        this.#log.debug('lease changed under us');
      } else {
        this.#log.warn({ err }, 'could not acquire or renew the lease');
      }
      return { held: false, byOther: false };
    }
  }

  #newLease(): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#opts.name, namespace: this.#opts.namespace },
      spec: heldSpec(undefined, this.identity, this.#leaseDurationMs, new Date()),
    };
  }

  async #read(): Promise<Lease | undefined> {
    try {
      const lease = await requestJson<Lease>(this.#kc, {
        method: HttpMethod.GET,
        path: `${this.#path}/${encodeURIComponent(this.#opts.name)}`,
        signal: this.#requestTimeout(),
      });
      this.#observe(lease);
      return lease;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Creates, or replaces with the resourceVersion we read (409 if anyone wrote since). */
  async #write(kind: 'create' | 'update', lease: Lease): Promise<void> {
    const written = await requestJson<Lease>(this.#kc, {
      method: kind === 'create' ? HttpMethod.POST : HttpMethod.PUT,
      path: kind === 'create' ? this.#path : `${this.#path}/${encodeURIComponent(this.#opts.name)}`,
      body: lease,
      signal: this.#requestTimeout(),
    });
    this.#observe(written);
  }

  #observe(lease: Lease): void {
    if (lease.metadata.resourceVersion === this.#observed?.metadata.resourceVersion) return;
    const previousHolder = this.#observed?.spec?.holderIdentity;
    this.#observed = lease;
    this.#observedAtMs = Date.now();
    const holder = lease.spec?.holderIdentity;
    if (holder && holder !== previousHolder) this.#opts.onNewLeader?.(holder);
  }

  /** Gives the lease up if we still hold the version we last wrote. */
  async #release(): Promise<void> {
    const current = this.#observed;
    if (current?.spec?.holderIdentity !== this.identity) return;
    try {
      await this.#write('update', { ...current, spec: releasedSpec(current.spec, new Date()) });
      this.#log.info('released the lease');
    } catch (err) {
      this.#log.warn({ err }, 'could not release the lease; it expires by itself');
    }
  }

  /**
   * Bounds each request so a hung connection cannot stall the loop for long; generous enough for
   * a busy API server. The deadline timer, not this, is what stops a leader on time.
   */
  #requestTimeout(): AbortSignal {
    return AbortSignal.timeout(Math.max(this.#retryPeriodMs, this.#renewDeadlineMs / 2));
  }
}

/** Waits `ms`; false if `signal` aborted (before or during the wait). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
