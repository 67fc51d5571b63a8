import { startNatsServer, type NatsServer, type NatsServerOptions } from 'celeriac/testing';
import { natsServerBinary } from './binaries.ts';

export type { NatsServer };

/** Starts the pinned nats-server (built from Go modules on first use) for one test file. */
export function startNats(opts: Omit<NatsServerOptions, 'binary'> = {}): Promise<NatsServer> {
  return startNatsServer({ ...opts, binary: natsServerBinary() });
}
