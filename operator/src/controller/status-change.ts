/**
 * Whether writing `desired` as our part of an object's status would change what `observed` (the
 * cached status) shows. Every field we send is compared; fields we do not send (other managers'
 * or the API server's) are not. Conditions are matched by type with `lastTransitionTime` ignored:
 * it moves only when a status flips, which is a change anyway, and its format may differ from
 * ours (a Date from a typed client, a string from the informer).
 *
 * Skipping unchanged writes is what keeps an idle operator from writing every object's status on
 * every poll and resync (one API write, one etcd revision and one watch event per object each time).
 */
export function statusChanged(observed: unknown, desired: object): boolean {
  const have = (observed ?? {}) as Record<string, unknown>;
  for (const [field, want] of Object.entries(desired)) {
    if (field === 'conditions') {
      if (conditionsChanged(have.conditions, want)) return true;
    } else if (!same(have[field], want)) {
      return true;
    }
  }
  return false;
}

interface ConditionLike {
  type?: unknown;
  lastTransitionTime?: unknown;
}

function conditionsChanged(have: unknown, want: unknown): boolean {
  if (!Array.isArray(want)) return !same(have, want);
  if (!Array.isArray(have) || have.length !== want.length) return true;
  const byType = new Map((have as ConditionLike[]).map((c) => [c.type, c]));
  return (want as ConditionLike[]).some((w) => {
    const h = byType.get(w.type);
    return h === undefined || !same(withoutTransitionTime(h), withoutTransitionTime(w));
  });
}

function withoutTransitionTime(c: ConditionLike): object {
  const { lastTransitionTime: _ignored, ...rest } = c;
  return rest;
}

/** Deep equality of JSON values (key order does not matter). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => same(x, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => same(ao[k], bo[k]));
}
