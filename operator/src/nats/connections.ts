import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from 'celeriac';
import { describeConnection } from 'celeriac/topology';
import type { Logger } from 'pino';
import { NatsUnavailable } from './errors.ts';
import type { ConnectionTarget } from './target.ts';

interface Shared {
  readonly conn: Promise<NatsConnection>;
  /** The holders (queues) using it; it closes when the last one leaves. */
  readonly holders: Set<string>;
}

/**
 * NATS connections shared by the queues whose settings are equal (the operator's own, or one per
 * distinct URL and Secret content), reference-counted by holder: a holder that moves to another
 * target (its Secret rotated) or is released (its queue is gone) leaves its old connection, and a
 * connection nobody holds is closed. Each connection reconnects forever once up.
 *
 * The bookkeeping is synchronous, so concurrent reconciles of one queue (its own and the
 * autoscaler's) agree on what it holds.
 */
export class NatsConnections {
  private readonly shared = new Map<string, Shared>();
  /** holder -> id of the connection it holds. */
  private readonly held = new Map<string, string>();
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  /** The connection for `target`, held by `holder` until it acquires another target or is released. */
  acquire(holder: string, target: ConnectionTarget): Promise<NatsConnection> {
    const entry = this.shared.get(target.id) ?? this.open(target);
    entry.holders.add(holder);
    const before = this.held.get(holder);
    this.held.set(holder, target.id);
    if (before !== undefined && before !== target.id) this.leave(holder, before);
    return entry.conn;
  }

  /** The holder uses no connection any more (its queue was deleted). */
  release(holder: string): void {
    const id = this.held.get(holder);
    if (id === undefined) return;
    this.held.delete(holder);
    this.leave(holder, id);
  }

  /** How many distinct connections are open or opening (for tests and metrics). */
  get size(): number {
    return this.shared.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.shared.values()];
    this.shared.clear();
    this.held.clear();
    await Promise.all(all.map((e) => close(e)));
  }

  private open(target: ConnectionTarget): Shared {
    const { servers } = describeConnection(target.settings);
    const log = this.log.child({ connection: target.id });
    log.info({ servers, auth: target.auth }, 'connecting to nats');
    const conn = (async () => {
      try {
        // Fail fast on the first connect (the status must say NATS is down); reconnect forever after.
        return await connectNats(target.settings, { waitOnFirstConnect: false, timeout: 5000, ...target.extra });
      } catch (e) {
        throw new NatsUnavailable(`cannot connect to NATS at ${servers.join(',')}: ${(e as Error).message}`);
      }
    })();
    const entry: Shared = { conn, holders: new Set() };
    this.shared.set(target.id, entry);
    // A failed first connect is forgotten by everyone, so the next reconcile tries afresh.
    conn.catch(() => {
      if (this.shared.get(target.id) !== entry) return;
      this.shared.delete(target.id);
      for (const h of entry.holders) if (this.held.get(h) === target.id) this.held.delete(h);
    });
    return entry;
  }

  private leave(holder: string, id: string): void {
    const entry = this.shared.get(id);
    if (!entry) return;
    entry.holders.delete(holder);
    if (entry.holders.size > 0) return;
    this.shared.delete(id);
    this.log.info({ connection: id }, 'closing unused nats connection');
    void close(entry);
  }
}

async function close(entry: Shared): Promise<void> {
  try {
    await (await entry.conn).close();
  } catch {
    // never connected, or already closed: nothing to release
  }
}
