import { isValidTaskName } from '../protocol.ts';
import { DEFAULTS } from '../defaults.ts';

/**
 * A rate limit: at most `limit` task starts per `periodMs`, counted in fixed windows aligned to
 * the epoch (window n covers [n * periodMs, (n + 1) * periodMs)). See docs/concepts.md, "Rate
 * limits", for the tolerance this gives.
 */
export interface RateLimit {
  limit: number;
  periodMs: number;
}

/** How a task or a caller states a limit: `{ perSecond: 100 }` or `{ limit: 5, periodMs: 60_000 }`. */
export type RateLimitSpec = { perSecond: number } | { limit: number; periodMs?: number };

/** Bad limit input, naming the field at fault; nothing is stored or changed. */
export class InvalidRateLimit extends Error {
  override readonly name = 'InvalidRateLimit';
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
  }
}

/** The limit a spec means, or InvalidRateLimit naming `field`. */
export function parseRateLimit(spec: unknown, field = 'rateLimit'): RateLimit {
  if (typeof spec !== 'object' || spec === null) throw new InvalidRateLimit(field, 'must be an object: { perSecond } or { limit, periodMs }');
  const s = spec as Record<string, unknown>;
  const hasPerSecond = s.perSecond !== undefined;
  if (hasPerSecond === (s.limit !== undefined)) throw new InvalidRateLimit(field, 'give exactly one of perSecond or limit');
  const limit = hasPerSecond ? s.perSecond : s.limit;
  const periodMs = hasPerSecond ? 1000 : (s.periodMs ?? 1000);
  const name = hasPerSecond ? 'perSecond' : 'limit';
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new InvalidRateLimit(`${field}.${name}`, `must be an integer >= 1, got ${JSON.stringify(limit)}`);
  if (hasPerSecond && s.periodMs !== undefined) throw new InvalidRateLimit(`${field}.periodMs`, 'perSecond already says the period');
  if (typeof periodMs !== 'number' || !Number.isInteger(periodMs) || periodMs < DEFAULTS.rateLimitMinPeriodMs || periodMs > DEFAULTS.rateLimitMaxPeriodMs) {
    throw new InvalidRateLimit(`${field}.periodMs`, `must be an integer from ${DEFAULTS.rateLimitMinPeriodMs} to ${DEFAULTS.rateLimitMaxPeriodMs}, got ${JSON.stringify(periodMs)}`);
  }
  return { limit, periodMs };
}

/** What a limit applies to: every task of the queue, or one task. */
export type RateLimitScope = { task?: string };

/** The limits bucket's key of a scope: `queue` for the whole queue, `task.<name>` for one task. */
export function rateLimitKey(scope: RateLimitScope = {}): string {
  if (scope.task === undefined) return 'queue';
  if (!isValidTaskName(scope.task)) throw new InvalidRateLimit('task', `invalid task name ${JSON.stringify(scope.task)}`);
  return `task.${scope.task}`;
}

/** The scope of a limits bucket key; undefined for a key that is neither. */
export function scopeOfKey(key: string): RateLimitScope | undefined {
  if (key === 'queue') return {};
  if (key.startsWith('task.') && isValidTaskName(key.slice(5))) return { task: key.slice(5) };
  return undefined;
}

/** The window `now` falls in, and when the next one starts. */
export function windowAt(now: number, periodMs: number): { index: number; endsAt: number } {
  const index = Math.floor(now / periodMs);
  return { index, endsAt: (index + 1) * periodMs };
}

/**
 * Tokens granted by one counter increment: the counter went from `value - asked` to `value`, and
 * the tokens numbered up to `limit` are ours. Increments past the limit stay counted (they are
 * never returned), which only matters to later requests in the same window: they get none either.
 */
export function tokensGranted(value: number, asked: number, limit: number): number {
  return Math.max(0, Math.min(asked, limit - (value - asked)));
}
