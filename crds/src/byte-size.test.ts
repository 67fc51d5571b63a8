import { describe, expect, it } from 'vitest';
import { ByteSizeError, parseByteSize } from './byte-size.ts';

describe('parseByteSize', () => {
  it.each([
    [0, 0],
    [1024, 1024],
    ['0', 0],
    ['1500', 1500],
    ['1Ki', 1024],
    ['512Mi', 512 * 1024 * 1024],
    ['10Gi', 10 * 2 ** 30],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['10k', 10_000],
    ['5M', 5_000_000],
    ['1G', 1e9],
    ['3T', 3e12],
    ['2P', 2e15],
  ] as const)('reads %j as %d bytes', (input, bytes) => {
    expect(parseByteSize(input)).toBe(bytes);
  });

  it.each(['', '1.5Gi', '1e9', '-1', '10 Gi', '10gi', '10KB', '1Ei', 'lots', -1, 1.5, Number.NaN, 2 ** 60])(
    'rejects %j',
    (input) => {
      expect(() => parseByteSize(input)).toThrow(ByteSizeError);
    },
  );

  it('refuses sizes it cannot represent exactly', () => {
    expect(() => parseByteSize('9Pi')).toThrow(/2\^53/);
  });
});
