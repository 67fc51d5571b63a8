/**
 * Byte sizes (stream and bucket limits) are Kubernetes-quantity-like: a whole number of bytes, or
 * a string with a binary (Ki, Mi, Gi, Ti, Pi) or decimal (k, M, G, T, P) suffix, as in "10Gi".
 * A narrow subset of resource.Quantity on purpose: no fractions or exponents, so a byte count is
 * always exact.
 */
export const BYTE_SIZE_PATTERN = '^[0-9]+(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$';

const SUFFIX: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
};
const WHOLE = new RegExp(BYTE_SIZE_PATTERN.replace('^[0-9]+(', '^([0-9]+)('));

export class ByteSizeError extends Error {
  readonly input: string | number;
  constructor(input: string | number, reason: string) {
    super(`invalid byte size ${JSON.stringify(input)}: ${reason}`);
    this.name = 'ByteSizeError';
    this.input = input;
  }
}

/** Bytes of a size given as a number or a suffixed string; exact up to 2^53. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') {
    if (!Number.isSafeInteger(size) || size < 0) throw new ByteSizeError(size, 'expected a whole number of bytes');
    return size;
  }
  const m = WHOLE.exec(size);
  if (!m) throw new ByteSizeError(size, 'expected a whole number with an optional suffix, e.g. "512Mi" or "10G"');
  const bytes = Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? Number.NaN);
  if (!Number.isSafeInteger(bytes)) throw new ByteSizeError(size, 'larger than 2^53 bytes');
  return bytes;
}
