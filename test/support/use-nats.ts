import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll } from 'vitest';
import { startNats, type NatsServer } from './nats.ts';
import type { NatsServerOptions } from 'celeriac/testing';
import { connectTo } from './queue.ts';

export interface UsedNats {
  /** The file's nats-server (JetStream on, free loopback port, temp store). */
  readonly server: NatsServer;
  /** A connection to it that reconnects forever (survives the server's restarts). */
  readonly nc: NatsConnection;
}

/**
 * A nats-server and a connection for the test file: started before its tests, closed and stopped
 * after. Call at the top of a describe block; read `server` and `nc` inside tests.
 */
export function useNats(opts: Omit<NatsServerOptions, 'binary'> = {}): UsedNats {
  let server: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    server = await startNats(opts);
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('nats not started: call useNats() in a describe block and use it inside tests');
    return x;
  };
  return {
    get server() {
      return started(server);
    },
    get nc() {
      return started(nc);
    },
  };
}
