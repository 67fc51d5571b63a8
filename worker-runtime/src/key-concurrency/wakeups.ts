/** What the waits on one key prefix share: a count of its frees, and how to wake them. */
interface Watched {
  waits: number;
  frees: number;
  wakers: Set<() => void>;
}

/**
 * Counts frees (deletes, expiries) of the slots of the key prefixes some task waits on, and
 * wakes those waits. A wait opened before a task tries the slots misses no free that happens
 * while it tries: `next()` then returns at once.
 */
export class SlotWakeups {
  private readonly watched = new Map<string, Watched>();
  private closed = false;

  /** Starts counting the frees of `prefix`; close the wait when done with it. */
  open(prefix: string): SlotWait {
    let w = this.watched.get(prefix);
    if (!w) this.watched.set(prefix, (w = { waits: 0, frees: 0, wakers: new Set() }));
    w.waits++;
    return new SlotWait(w, this, () => {
      if (--w.waits === 0) this.watched.delete(prefix);
    });
  }

  /** A slot of `prefix` was freed. */
  freed(prefix: string): void {
    const w = this.watched.get(prefix);
    if (!w) return;
    w.frees++;
    for (const wake of [...w.wakers]) wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Wakes every wait, for good: the worker is stopping. */
  close(): void {
    this.closed = true;
    for (const w of this.watched.values()) for (const wake of [...w.wakers]) wake();
  }
}

export class SlotWait {
  private seen: number;
  private readonly w: Watched;
  private readonly owner: SlotWakeups;
  private readonly done: () => void;

  constructor(w: Watched, owner: SlotWakeups, done: () => void) {
    this.w = w;
    this.owner = owner;
    this.done = done;
    this.seen = w.frees;
  }

  /** Resolves at once if a slot was freed since the last call (or the open), else on the next free or after `ms`. */
  async next(ms: number): Promise<void> {
    if (this.w.frees === this.seen && !this.owner.isClosed) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.w.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        this.w.wakers.add(wake);
      });
    }
    this.seen = this.w.frees;
  }

  close(): void {
    this.done();
  }
}
