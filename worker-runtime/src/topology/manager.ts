import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

const managers = new WeakMap<NatsConnection, Promise<JetStreamManager>>();

/**
 * One JetStream manager per connection, made without its `$JS.API.INFO` round trip.
 * `jetstreamManager(nc)` asks for the account info every time it is called: one extra request per
 * call, which was a third of the operator's requests per queue reconcile. Without the check, a
 * server without JetStream still fails clearly: nats.js turns the API's "no responders" into
 * JetStreamNotEnabled on the first real request.
 */
export function managerOf(nc: NatsConnection): Promise<JetStreamManager> {
  let jsm = managers.get(nc);
  if (!jsm) {
    jsm = jetstreamManager(nc, { checkAPI: false });
    managers.set(nc, jsm);
  }
  return jsm;
}
