/** What `top` remembers of a queue between two refreshes. */
export interface Sample {
  at: number;
  /** The task stream's last sequence: it grows by one per enqueue. */
  lastSeq: number;
  /** Tasks not finished: pending plus in flight. */
  backlog: number;
}

export interface Rates {
  /** Tasks enqueued per second. */
  arrival: number;
  /** Tasks that left the backlog per second (finished, dead-lettered or purged). */
  completion: number;
}

/**
 * Pure: rates from two samples. Arrivals are the sequence delta; what arrived and is no longer in
 * the backlog has completed. Undefined without a usable earlier sample (the first refresh, or a
 * stream recreated under the same name, whose sequence went back).
 */
export function ratesBetween(prev: Sample | undefined, now: Sample): Rates | undefined {
  if (!prev || now.at <= prev.at || now.lastSeq < prev.lastSeq) return undefined;
  const seconds = (now.at - prev.at) / 1000;
  const arrived = now.lastSeq - prev.lastSeq;
  const left = Math.max(0, prev.backlog + arrived - now.backlog);
  return { arrival: arrived / seconds, completion: left / seconds };
}
