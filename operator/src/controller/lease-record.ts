/**
 * The leader-election record kept in a coordination.k8s.io/v1 Lease, and the pure rules for
 * taking, keeping and giving it up (client-go's leaderelection, same fields and semantics).
 * https://kubernetes.io/docs/concepts/architecture/leases/
 */

/** Lease spec as JSON. Times are MicroTime: RFC 3339 with exactly six fractional digits. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  /** Fields of newer coordinated election; kept as found. */
  preferredHolder?: string;
  strategy?: string;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * metav1.MicroTime. The API server parses it with six fractional digits, while
 * Date#toISOString has three, so a plain Date is the wrong shape.
 */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/**
 * Whether `identity` may write itself as holder. The lease is free when nobody holds it (never
 * held or released) or when it has not changed for its duration. The duration is counted from
 * when *we* saw it change (`observedAtMs`), not from its renewTime, so clock skew between
 * replicas does not matter.
 */
export function mayHold(spec: LeaseSpec | undefined, identity: string, observedAtMs: number, nowMs: number): boolean {
  const holder = spec?.holderIdentity;
  if (!holder || holder === identity) return true;
  return observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000 <= nowMs;
}

/** The spec that makes `identity` the holder from `now`: a renewal keeps acquireTime. */
export function heldSpec(current: LeaseSpec | undefined, identity: string, leaseDurationMs: number, now: Date): LeaseSpec {
  const t = microTime(now);
  const renewing = current?.holderIdentity === identity;
  return {
    ...current,
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
    acquireTime: renewing && current?.acquireTime ? current.acquireTime : t,
    renewTime: t,
    leaseTransitions: (current?.leaseTransitions ?? 0) + (current && !renewing ? 1 : 0),
  };
}

/**
 * The spec a leader writes when it steps down on purpose: no holder, so the next candidate to
 * look takes the lease at once instead of waiting out the duration.
 */
export function releasedSpec(current: LeaseSpec | undefined, now: Date): LeaseSpec {
  const t = microTime(now);
  const { holderIdentity: _holder, ...rest } = current ?? {};
  return { ...rest, leaseDurationSeconds: 1, acquireTime: t, renewTime: t };
}
