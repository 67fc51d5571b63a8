/**
 * Durations in the CRDs are Go-style strings ("500ms", "30s", "1h30m"): what kubectl users know
 * from Deployments and what CEL's `duration()` parses, so the API server can compare them in
 * validation rules. We accept the units that make sense for tasks (ms, s, m, h) and no sign.
 */

/**
 * Most digits a number may have before each unit. Go's time.Duration is int64 nanoseconds (about
 * 292 years) and CEL's `duration()` fails on anything longer with a bare "type conversion error";
 * with these bounds no string within DURATION_MAX_LENGTH can get there (duration.test.ts proves
 * it), so the pattern alone tells a parsable duration from the rest.
 */
export const DURATION_UNIT_DIGITS = { h: 5, m: 7, s: 9, ms: 12 } as const;

const number = (digits: number) => `[0-9]{1,${digits}}(\\.[0-9]+)?`;
const part = Object.entries(DURATION_UNIT_DIGITS)
  .map(([unit, digits]) => `${number(digits)}${unit}`)
  .join('|');
export const DURATION_PATTERN = `^(0|(${part})+)$`;

/** Longest duration string the schema accepts; it bounds CEL's cost estimate too. */
export const DURATION_MAX_LENGTH = 32;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const WHOLE = new RegExp(DURATION_PATTERN);
/** The same shape with any number of digits: tells "too many digits" from "not a duration". */
const ANY_DIGITS = /^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

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
  if (!WHOLE.test(s)) {
    throw new DurationError(
      s,
      ANY_DIGITS.test(s)
        ? `a number with too many digits: at most ${largestDurationNumbers()}`
        : 'expected numbers with units ms, s, m or h, e.g. "1m30s"',
    );
  }
  let ms = 0;
  for (const [, value, unit] of s.matchAll(PART)) ms += Number(value) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  return ms;
}

/** "5 digits before h, 7 before m, ...": the digit limits in words, for errors and docs. */
export function largestDurationNumbers(): string {
  return Object.entries(DURATION_UNIT_DIGITS)
    .map(([unit, digits]) => `${digits} digits before ${unit}`)
    .join(', ');
}

export function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * A CEL rule that calls `duration()` on the fields `exprs`, evaluated only when each is a
 * well-formed duration. The API server runs CEL rules even on a value that failed its `pattern`,
 * and `duration('5 minutes')` then adds "type conversion error from 'string' to
 * 'google.protobuf.Duration'" beside the pattern's clear message; guarded, the pattern's message
 * is the only one.
 */
export function guardedDurationRule(exprs: readonly string[], rule: string): string {
  return [...exprs.map((e) => `!${e}.matches(r'${DURATION_PATTERN}')`), `(${rule})`].join(' || ');
}
