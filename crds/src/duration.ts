/**
 * Durations in the CRDs are Go-style strings ("500ms", "30s", "1h30m"): what kubectl users know
 * from Deployments and what CEL's `duration()` parses, so the API server can compare them in
 * validation rules. We accept the units that make sense for tasks (ms, s, m, h) and no sign.
 */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$';

/** Longest duration string the schema accepts; it bounds CEL's cost estimate too. */
export const DURATION_MAX_LENGTH = 32;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
/** Go's time.Duration is int64 nanoseconds; CEL rejects anything longer, so do we. */
const MAX_MS = Number(2n ** 63n - 1n) / 1_000_000;

export class DurationError extends Error {
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${reason}`);
    this.name = 'DurationError';
    this.input = input;
  }
}

/** Parses a Go-style duration into milliseconds (fractional below 1 ms, e.g. "0.5ms" is 0.5). */
export function parseDuration(s: string): number {
  if (s.length > DURATION_MAX_LENGTH) throw new DurationError(s, `longer than ${DURATION_MAX_LENGTH} characters`);
  if (!WHOLE.test(s)) throw new DurationError(s, 'expected numbers with units ms, s, m or h, e.g. "1m30s"');
  let ms = 0;
  for (const [, value, unit] of s.matchAll(PART)) ms += Number(value) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  if (!(ms <= MAX_MS)) throw new DurationError(s, 'longer than the largest Go duration (about 292 years)');
  return ms;
}

export function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}
