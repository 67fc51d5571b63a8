import type { NatsConnection } from '@nats-io/nats-core';
import type { StreamConfig } from '@nats-io/jetstream';
import { serverFeatures } from '../topology/server-features.ts';
import type { QueueSettings } from '../topology/settings.ts';
import { desiredRateCounterStream, desiredRateLimitBucket, rateCounterStreamName, rateLimitBucketName } from './topology.ts';

/**
 * ensureQueue's rate-limit part: the limits bucket and the counter stream, on a server with
 * counters (2.12+). On an older server neither is made, so workers find no limits bucket and
 * run unlimited with a warning, rather than holding tasks for tokens no counter can give.
 */
export async function syncRateLimitObjects(
  nc: NatsConnection,
  s: QueueSettings,
  syncBucket: (bucket: ReturnType<typeof desiredRateLimitBucket>) => Promise<void>,
  syncStream: (stream: Partial<StreamConfig> & { name: string }) => Promise<void>,
): Promise<void> {
  if (!serverFeatures(nc.info?.version).messageCounter) return;
  // The counters first: a worker that sees the bucket may take tokens at once.
  await syncStream(desiredRateCounterStream(s));
  await syncBucket(desiredRateLimitBucket(s));
}

/** The streams deleteQueue removes for rate limits. */
export function rateLimitStreams(queue: string): string[] {
  return [rateCounterStreamName(queue), `KV_${rateLimitBucketName(queue)}`];
}
