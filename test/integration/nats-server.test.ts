import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versions } from '../support/binaries.ts';
import { startNats, type NatsServer } from '../support/nats.ts';

describe('test nats-server', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNats();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the pinned version (versions.env) with JetStream on a loopback port', async () => {
    const nc = await connect({ servers: server.url });
    try {
      expect(`v${nc.info?.version}`).toBe(versions().NATS_SERVER_VERSION);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.streams).toBe(0);
    } finally {
      await nc.close();
    }
  });
});
