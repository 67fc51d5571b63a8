/**
 * How the operator's Node process is started: the image's ENTRYPOINT and ENV (operator/Dockerfile,
 * checked against these by process-flags.test.ts) and the test and bench harness
 * (test/support/operator-process.ts) use these, so what is measured is what ships.
 *
 * Measured with bench/operator-scale.ts, 100 queues + 100 autoscaled pools (docs/benchmarks.md,
 * "Operator at scale"):
 * - `--max-semi-space-size=4`: V8 sizes the young generation from the memory it may use, up to
 *   64 MiB per semi-space on a large node; under a mass apply it grew to 128 MiB committed, most
 *   of the heap's RSS, for objects that die young anyway. At 4 MiB the young generation stays
 *   at 8 MiB committed; scavenges become more frequent, each under a millisecond at this heap size,
 *   and steady CPU did not change (0.07 core).
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own malloc arena (V8's
 *   GC and compiler threads, libuv's pool, OpenSSL), and freed memory in one arena is not reused
 *   by another; two arenas hold less memory that is free but still resident.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
export const OPERATOR_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
