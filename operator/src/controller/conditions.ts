/**
 * Status conditions in the Kubernetes convention (metav1.Condition), so that
 * `kubectl wait --for=condition=Ready` works on our resources.
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#typical-status-properties
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
  /** RFC 3339, seconds precision; changes only when `status` changes. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionUpdate = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * Returns `conditions` with `update` set (replacing a condition of the same type, else appended),
 * stamped with the generation it describes. `lastTransitionTime` moves to `now` only when the
 * status flips, so it tells how long the object has been in its state. Pure: `conditions` is not
 * modified.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const next: Condition = {
    ...update,
    lastTransitionTime:
      existing && existing.status === update.status ? existing.lastTransitionTime : metaTime(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  return existing ? list.map((c) => (c === existing ? next : c)) : [...list, next];
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** metav1.Time: RFC 3339 with seconds precision (fractions are rejected by some clients). */
export function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}
