import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DURATION_MAX_LENGTH,
  DURATION_PATTERN,
  DURATION_UNIT_DIGITS,
  DurationError,
  guardedDurationRule,
  isDuration,
  parseDuration,
} from './duration.ts';

/** Go's time.Duration is int64 nanoseconds: CEL's duration() fails beyond this. */
const GO_MAX_MS = Number(2n ** 63n - 1n) / 1_000_000;
const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30s250ms', 90_250],
    ['1.5s', 1_500],
    ['0.5ms', 0.5],
    ['2h0m0s', 7_200_000],
    // Go accepts units in any order and repeated; CEL's duration() does too, so we must agree.
    ['30s1m', 90_000],
    ['1s1s', 2_000],
  ])('parses %s as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '1', '10', '-5s', '+5s', '5 s', ' 5s', '5s ', '1d', '1us', '1ns', '.5s', '5.s', '1h-30m', 'ms', 's', '1e3s', '0x10s'])(
    'rejects %j',
    (input) => {
      expect(() => parseDuration(input)).toThrow(DurationError);
      expect(isDuration(input)).toBe(false);
    },
  );

  it('rejects strings longer than the schema allows', () => {
    const long = '1s'.repeat(DURATION_MAX_LENGTH / 2 + 1);
    expect(() => parseDuration(long)).toThrow(/longer than/);
  });

  it('rejects numbers with more digits than Go (and so CEL) can sum within the length limit, saying so', () => {
    expect(parseDuration('99999h')).toBe(99_999 * 3_600_000);
    expect(() => parseDuration('100000h')).toThrow('too many digits: at most 5 digits before h, 7 digits before m, 9 digits before s, 12 digits before ms');
    expect(() => parseDuration('2562048h')).toThrow(/too many digits/);
  });

  it('accepts nothing longer than Go can represent: the longest sum within the length limit fits', () => {
    // Most milliseconds a string of n characters can reach, building it from whole parts of the
    // largest number per unit (a fraction adds less than one unit for two or more characters).
    const parts = Object.entries(DURATION_UNIT_DIGITS).flatMap(([unit, digits]) =>
      Array.from({ length: digits }, (_, i) => ({ chars: i + 1 + unit.length, ms: 10 ** (i + 1) * UNIT_MS[unit as keyof typeof UNIT_MS] })),
    );
    const most = [0];
    for (let n = 1; n <= DURATION_MAX_LENGTH; n++) {
      most[n] = Math.max(most[n - 1]!, ...parts.filter((p) => p.chars <= n).map((p) => p.ms + most[n - p.chars]!));
    }
    expect(most[DURATION_MAX_LENGTH]).toBeLessThan(GO_MAX_MS);
    // The bounds are tight: with six-digit hours, four parts (28 characters) would overflow.
    expect(4 * 10 ** 6 * UNIT_MS.h).toBeGreaterThan(GO_MAX_MS);
    expect(parseDuration('99999h99999h99999h99999h99999h')).toBeLessThan(GO_MAX_MS);
  });

  it('names the input in its error', () => {
    expect(() => parseDuration('soon')).toThrow('invalid duration "soon"');
  });
});

describe('DURATION_PATTERN (what the CRD enforces)', () => {
  const pattern = new RegExp(DURATION_PATTERN);
  const unit = fc.constantFrom('ms', 's', 'm', 'h', 'us', 'd', '');
  const part = fc.tuple(fc.nat(9_999), fc.option(fc.nat(999), { nil: undefined }), unit).map(([n, f, u]) => `${n}${f === undefined ? '' : `.${f}`}${u}`);
  const durationLike = fc.array(part, { minLength: 0, maxLength: 4 }).map((ps) => ps.join(''));

  it('accepts exactly the strings the parser accepts (within the schema length limit)', () => {
    fc.assert(
      fc.property(fc.oneof(durationLike, fc.string({ maxLength: 12 })), (s) => {
        expect(isDuration(s)).toBe(pattern.test(s) && s.length <= DURATION_MAX_LENGTH);
      }),
      { numRuns: 2_000 },
    );
  });

  it('parses the sum of its parts', () => {
    fc.assert(
      fc.property(fc.nat(1_000), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        expect(parseDuration(`${h}h${m}m${s}s${ms}ms`)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
    );
  });
});

describe('guardedDurationRule (CEL)', () => {
  it('calls duration() only after every field it reads matched the pattern, in a raw string CEL keeps the backslashes of', () => {
    const rule = guardedDurationRule(['self.a', 'self.b'], 'duration(self.a) <= duration(self.b)');
    expect(rule).toBe(`!self.a.matches(r'${DURATION_PATTERN}') || !self.b.matches(r'${DURATION_PATTERN}') || (duration(self.a) <= duration(self.b))`);
    expect(DURATION_PATTERN).not.toContain("'");
  });
});
