/** NATS refused or is unreachable: the queue's status says so and the reconcile retries later. */
export class NatsUnavailable extends Error {
  override readonly name = 'NatsUnavailable';
}

/**
 * Where a queue's NATS URL came from, which decides who can fix a bad one: a spec edit (we see
 * it: wait for it), a Secret edit or an operator restart (we do not watch those: look again).
 */
export type NatsUrlOrigin = 'spec' | 'secret' | 'operator';

/**
 * A NATS URL that cannot work. The message names the source and the problem, never the URL
 * itself: a malformed one may hold a password.
 */
export class InvalidNatsUrl extends Error {
  override readonly name = 'InvalidNatsUrl';
  readonly origin: NatsUrlOrigin;
  readonly source: string;
  readonly problem: string;

  constructor(origin: NatsUrlOrigin, source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.origin = origin;
    this.source = source;
    this.problem = problem;
  }
}
