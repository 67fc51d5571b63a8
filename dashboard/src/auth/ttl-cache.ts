/** A map whose entries expire: review answers are reused for a few seconds, then asked again. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();
  private readonly ttlMs: number;
  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** The cached answer, else `load()`'s (shared by concurrent askers; a failure is not kept). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.entries.size > 10_000) this.prune(now);
    const value = load();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
  }
}
