import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_MAX_LENGTH, DURATION_PATTERN, DurationError, isDuration, parseDuration } from './duration.ts';

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

  it('rejects durations beyond what Go (and so CEL) can represent', () => {
    expect(parseDuration('2562047h')).toBe(2_562_047 * 3_600_000);
    expect(() => parseDuration('2562048h')).toThrow(/largest Go duration/);
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
        fc.pre(!/[0-9]{7}/.test(s)); // overflow has its own test
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
