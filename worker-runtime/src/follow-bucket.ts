import type { QueuedIterator } from '@nats-io/nats-core';
import type { KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';

/**
 * Follows a KV watch opened with the bucket's last values first (the default): every entry, then
 * every change, goes to `onEntry` for as long as the watch lives. Resolves true once the `stored`
 * entries present at open were read, or false after `initialMs`, so a worker takes no task before
 * what the bucket already says (cancels, rate limits) applies, yet never waits for ever.
 */
export async function followBucket(watch: QueuedIterator<KvWatchEntry>, stored: number, onEntry: (e: KvWatchEntry) => void, initialMs: number, log: Logger): Promise<boolean> {
  let initialised!: () => void;
  const done = new Promise<void>((r) => (initialised = r));
  if (stored === 0) initialised();
  void (async () => {
    for await (const e of watch) {
      onEntry(e);
      if (!e.delta) initialised();
    }
    initialised();
  })().catch((err: unknown) => log.error({ err }, 'bucket watch ended'));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), initialMs).unref());
  return (await Promise.race([done, timeout])) !== 'timeout';
}
