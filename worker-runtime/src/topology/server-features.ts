/**
 * What a nats-server can do, from its version (`nc.info.version`). The client checks it before
 * it publishes a delayed task and the operator before it sets up periodic schedules, so a queue
 * on an older server fails with a clear error instead of a message the server ignores or refuses.
 */

/** A server feature Celeriac uses and the first nats-server release that has it (docs/install.md). */
export const FEATURE_MIN_VERSIONS = {
  /** Per-message TTL (`Nats-TTL`, `allow_msg_ttl`). */
  messageTtl: '2.11.0',
  /** Pausing a consumer until a time (paused queues). */
  consumerPause: '2.11.0',
  /** One-shot schedules `@at <time>`: delayed tasks. */
  scheduleAt: '2.12.0',
  /** Counters (`allow_msg_counter`, `Nats-Incr`): rate limits. */
  messageCounter: '2.12.0',
  /** `@every`, cron expressions and `Nats-Schedule-Time-Zone`: periodic schedules. */
  scheduleRecurring: '2.14.0',
  /** Fast batch publish (`allow_batched`): the worker's result records, one ack per batch. */
  fastBatch: '2.14.0',
} as const;

export type ServerFeature = keyof typeof FEATURE_MIN_VERSIONS;
export type ServerFeatures = Record<ServerFeature, boolean>;

/** `major.minor.patch` of a version string such as `2.14.10`, `v2.12.0-RC.3` or `2.11.4-dev`. */
export function parseServerVersion(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function atLeast(have: readonly number[], need: readonly number[]): boolean {
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    const n = need[i] ?? 0;
    if (h !== n) return h > n;
  }
  return true;
}

/**
 * The features a server of this version has. A pre-release counts as its release (a 2.14.0-RC
 * already has 2.14's features). An unreadable version has none: guessing wrong would publish
 * messages the server does not understand.
 */
export function serverFeatures(version: string | undefined): ServerFeatures {
  const have = version === undefined ? undefined : parseServerVersion(version);
  const out = {} as ServerFeatures;
  for (const [feature, min] of Object.entries(FEATURE_MIN_VERSIONS) as [ServerFeature, string][]) {
    out[feature] = have !== undefined && atLeast(have, parseServerVersion(min) ?? []);
  }
  return out;
}

/** `2.12` for a feature: what an error message tells the operator to upgrade to. */
export function minimumMinor(feature: ServerFeature): string {
  return FEATURE_MIN_VERSIONS[feature].split('.').slice(0, 2).join('.');
}
