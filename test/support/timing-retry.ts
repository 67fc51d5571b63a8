/**
 * What a timing test passes as its options to retry a slipped timing, and only that: on 2 shared
 * cores a replica count or a latency can miss its bound under load, while a lost, duplicated or
 * wrong result is a bug the first time. Tag each timing assertion with TIMING as its message,
 * `expect(ms, TIMING).toBeLessThan(5_000)`; any other failure (a correctness assertion, a
 * timeout, an exception) fails the test at once. Retried passes are listed by retried-reporter.ts.
 */
export const TIMING = '[timing]';

export const RETRY_TIMING_ONLY = { retry: { count: 1, condition: /^\[timing\]/ } };
