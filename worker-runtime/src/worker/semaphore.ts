/** Bounds concurrent tasks. `acquire` resolves at once while a slot is free (no promise churn on the hot path). */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.free = size;
  }

  get inUse(): number {
    return this.size - this.free;
  }

  /** True if a slot was taken synchronously; otherwise await `wait()` then call again. */
  tryAcquire(): boolean {
    if (this.free > 0) {
      this.free--;
      return true;
    }
    return false;
  }

  async acquire(): Promise<void> {
    while (!this.tryAcquire()) await new Promise<void>((r) => this.waiters.push(r));
  }

  release(): void {
    this.free++;
    this.waiters.shift()?.();
  }

  /** Resolves when every slot is free or the deadline passes; true if idle. */
  async idle(deadline: number): Promise<boolean> {
    while (this.free < this.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.free === this.size;
  }
}
