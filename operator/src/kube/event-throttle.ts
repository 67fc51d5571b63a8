/** What the throttle says about one Event. */
export type EventAdmission = { send: true; suppressed: number } | { send: false };

/**
 * At most one Event per key (object and reason) per window, like the spam filter of Kubernetes'
 * event correlator: a flapping input (a backlog oscillating around a threshold, a queue going
 * Ready and not Ready) must not fill the Event store. The Events held back are counted and the
 * next one sent says how many there were.
 */
export class EventThrottle {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, { sentAt: number; suppressed: number }>();
  #prunedAt: number;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
    this.#prunedAt = now();
  }

  admit(key: string): EventAdmission {
    const now = this.#now();
    const entry = this.#keys.get(key);
    if (entry && now - entry.sentAt < this.#windowMs) {
      entry.suppressed++;
      return { send: false };
    }
    this.#keys.set(key, { sentAt: now, suppressed: 0 });
    this.#prune(now);
    return { send: true, suppressed: entry?.suppressed ?? 0 };
  }

  /** Keys tracked (bounded by the objects with an Event in the last window or two). */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Forgets keys whose window is long over, once per window: memory stays proportional to the
   * objects that had Events lately, not to every object ever seen. A count held back for a key
   * that then went quiet is dropped with it (the log line of each decision still has it).
   */
  #prune(now: number): void {
    if (now - this.#prunedAt < this.#windowMs) return;
    this.#prunedAt = now;
    for (const [key, entry] of this.#keys) if (now - entry.sentAt >= this.#windowMs) this.#keys.delete(key);
  }
}
