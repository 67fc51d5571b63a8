import { createHash } from 'node:crypto';

/**
 * Deterministic task id from an idempotency key, so a duplicate enqueue returns the same task id.
 * Shared by the Client and the eager client: a test's ids are the ids production would give.
 */
export function idFromKey(key: string): string {
  return 'k-' + createHash('sha256').update(key).digest('base64url').slice(0, 32);
}
