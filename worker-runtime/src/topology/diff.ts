/**
 * Which desired JetStream fields differ from what the server has, and which of those JetStream
 * refuses to change in place. Pure: the reconciler reports the unchangeable ones in a condition
 * instead of silently ignoring them.
 */

/** Stream fields that cannot change after creation (nats-server rejects the update). */
export const IMMUTABLE_STREAM_FIELDS = ['storage', 'retention'] as const;
/** Consumer fields that cannot change after creation (error 10012/10148 on update). */
export const IMMUTABLE_CONSUMER_FIELDS = ['deliver_policy', 'ack_policy', 'replay_policy', 'opt_start_seq', 'opt_start_time'] as const;

export interface FieldChange {
  field: string;
  want: unknown;
  have: unknown;
}

export interface ConfigDiff {
  changed: FieldChange[];
  /** Changed fields JetStream cannot update; they stay as they are. */
  unchangeable: FieldChange[];
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  // Metadata maps: the server adds keys of its own (`_nats.*`), so only the keys we set count.
  if (isRecord(a) && isRecord(b)) return Object.entries(a).every(([k, v]) => same(v, b[k]));
  return a === b;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares only the fields we set: the server fills in many others we do not manage. */
export function diffConfig(desired: object, actual: object, immutable: readonly string[]): ConfigDiff {
  const changed: FieldChange[] = [];
  const unchangeable: FieldChange[] = [];
  const have = actual as Record<string, unknown>;
  for (const [field, want] of Object.entries(desired)) {
    if (want === undefined || same(want, have[field])) continue;
    // The server reports "unlimited" as -1 or leaves it out; treat both as equal.
    if (want === -1 && (have[field] === undefined || have[field] === 0)) continue;
    if (want === 0 && have[field] === undefined) continue;
    const change = { field, want, have: have[field] };
    (immutable.includes(field) ? unchangeable : changed).push(change);
  }
  return { changed, unchangeable };
}

/** The desired config with unchangeable fields replaced by the server's, so an update can succeed. */
export function updatable<T extends object>(desired: T, actual: object, diff: ConfigDiff): T {
  const out: Record<string, unknown> = { ...(desired as Record<string, unknown>) };
  for (const c of diff.unchangeable) out[c.field] = (actual as Record<string, unknown>)[c.field];
  return out as T;
}
