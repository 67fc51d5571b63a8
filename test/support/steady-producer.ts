import type { Client } from 'celeriac';
import { work } from './chaos-tasks.ts';

/**
 * Enqueues `chaos.work` tasks at a steady rate through faults, like a well-behaved producer:
 * an enqueue that fails or gets no ack in time is retried with the same task id, which is also
 * its dedupe id, so a retry after a lost ack never makes a second task.
 */
export interface SteadyProducer {
  /** Ids whose enqueue was acknowledged by JetStream (each must run), with when it was. */
  readonly acked: Map<string, number>;
  /** Enqueue attempts that failed (and were retried). */
  readonly failures: number;
  /** Retries the server reported as duplicates (the first try had landed after all). */
  readonly duplicates: number;
  /** Stops producing and waits until every id started so far is acked. */
  stop(): Promise<void>;
}

export function startSteadyProducer(client: Client, opts: { perSecond: number; sleepMs?: number; idPrefix?: string }): SteadyProducer {
  const acked = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let failures = 0;
  let duplicates = 0;
  let seq = 0;
  let stopped = false;
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((opts.perSecond * tickMs) / 1000));

  const enqueue = async (n: number): Promise<void> => {
    const id = `${opts.idPrefix ?? 'p'}-${n}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const h = await client.enqueue(work, { n, sleepMs: opts.sleepMs ?? 5 }, { id });
        if (h.duplicate) duplicates++;
        acked.set(id, Date.now());
        return;
      } catch {
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(1000, 100 * attempt)));
      }
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    for (let i = 0; i < perTick; i++) {
      const p = enqueue(seq++);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  }, tickMs);

  return {
    acked,
    get failures() {
      return failures;
    },
    get duplicates() {
      return duplicates;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
