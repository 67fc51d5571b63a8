/** The task every scenario sends: 128 bytes of JSON carrying its index and its enqueue time. */

export const PAYLOAD_BYTES = 128;

export interface BenchPayload {
  /** Index of the task within its run: the key of the exactly-once check. */
  i: number;
  /** Enqueue time in µs of the system-wide monotonic clock (shared by the producer and consumer processes). */
  t: number;
  pad: string;
}

/** Microseconds on CLOCK_MONOTONIC: comparable across processes of one machine, unlike performance.now(). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const PAD = 'x'.repeat(PAYLOAD_BYTES);

/** A payload stamped now, padded so its JSON encoding is exactly PAYLOAD_BYTES long. */
export function makePayload(i: number): BenchPayload {
  const t = nowUs();
  // {"i":…,"t":…,"pad":""} is 20 bytes plus the digits.
  const used = 20 + String(i).length + String(t).length;
  return { i, t, pad: PAD.slice(0, Math.max(0, PAYLOAD_BYTES - used)) };
}
