import type { Controller } from './controller.ts';
import type { Informer } from './informer.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import { silentLogger, type Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';

export interface ManagerOptions {
  /** Every informer the controllers use; the manager starts and stops them. */
  informers: readonly Informer[];
  controllers: readonly Controller[];
  /** Without it this replica always leads (one replica, local runs, tests). */
  leaderElection?: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'logger'>;
  metrics?: ControllerMetrics;
  logger?: Logger;
  /**
   * After the controllers stopped (leadership lost, or shutdown): release what only a leader
   * uses, e.g. connections a standby would otherwise keep open with credentials it no longer
   * re-reads.
   */
  onStoppedLeading?: () => Promise<void> | void;
}

/**
 * Runs the pieces in controller-runtime's order: informers always (a standby keeps warm caches
 * and reports ready), controllers only while this replica leads.
 */
export class Manager {
  readonly #opts: ManagerOptions;
  readonly #log: Logger;
  readonly #elector: LeaderElector | undefined;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.#elector = opts.leaderElection
      ? new LeaderElector({
          ...opts.leaderElection,
          logger: this.#log,
          onStartedLeading: (signal) => this.#startControllers(signal),
          onStoppedLeading: () => this.#stopControllers(),
        })
      : undefined;
  }

  /** For /readyz: every cache has synced once. */
  ready(): boolean {
    return this.#opts.informers.every((i) => i.hasSynced());
  }

  /** True while this replica leads (always, without leader election). */
  get leading(): boolean {
    return this.#elector ? this.#elector.isLeader : true;
  }

  /** Runs until `signal` aborts, then stops controllers, releases the lease and stops informers. */
  async run(signal: AbortSignal): Promise<void> {
    for (const informer of this.#opts.informers) informer.start();
    try {
      if (this.#elector) {
        await this.#elector.run(signal);
      } else {
        this.#startControllers(signal);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await this.#stopControllers();
      }
    } finally {
      await Promise.all(this.#opts.informers.map((i) => i.stop()));
      this.#log.info('manager stopped');
    }
  }

  #startControllers(signal: AbortSignal): void {
    this.#opts.metrics?.setLeader(true);
    for (const controller of this.#opts.controllers) {
      controller.start().catch((err: unknown) => {
        // Stopped before its caches synced (leadership lost early): nothing to do.
        if (!signal.aborted) this.#log.error({ err, controller: controller.name }, 'controller failed to start');
      });
    }
  }

  async #stopControllers(): Promise<void> {
    this.#opts.metrics?.setLeader(false);
    await Promise.all(this.#opts.controllers.map((c) => c.stop()));
    try {
      await this.#opts.onStoppedLeading?.();
    } catch (err) {
      this.#log.error({ err }, 'releasing leader resources failed');
    }
  }
}
