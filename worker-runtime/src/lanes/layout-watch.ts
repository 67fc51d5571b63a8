import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { decodeLaneLayout, encodeLaneLayout, type LaneLayout } from './layout.ts';

/**
 * Looks at the queue's lanes (its stream's metadata) every `intervalMs` and calls `onChange`
 * when they differ from what the worker pulls from, so a TaskQueue that gains, changes or drops
 * priorities or fairness is followed by running workers without a restart. One stream-info
 * request per worker per interval; a failed look is logged and tried again at the next.
 */
export class LaneLayoutWatch {
  private readonly nc: NatsConnection;
  private readonly stream: string;
  private readonly intervalMs: number;
  private readonly onChange: (lanes: LaneLayout | undefined) => void;
  private readonly log: Logger;
  private current: string;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(nc: NatsConnection, opts: { stream: string; lanes: LaneLayout | undefined; intervalMs: number; log: Logger; onChange(lanes: LaneLayout | undefined): void }) {
    this.nc = nc;
    this.stream = opts.stream;
    this.intervalMs = opts.intervalMs;
    this.onChange = opts.onChange;
    this.log = opts.log;
    this.current = encodeLaneLayout(opts.lanes);
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.check().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    try {
      const jsm = await jetstreamManager(this.nc, { checkAPI: false });
      const lanes = decodeLaneLayout((await jsm.streams.info(this.stream)).config.metadata);
      const seen = encodeLaneLayout(lanes);
      if (this.closed || seen === this.current) return;
      this.log.info({ stream: this.stream, from: this.current, to: seen }, 'queue lanes changed; pulling from the new lanes');
      this.current = seen;
      this.onChange(lanes);
    } catch (err) {
      if (!this.closed) this.log.warn({ err, stream: this.stream }, 'could not read the queue lanes; looking again later');
    }
  }
}
