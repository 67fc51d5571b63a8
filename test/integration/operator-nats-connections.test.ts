import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsConnections } from '../../operator/src/nats/connections.ts';
import { NatsUnavailable } from '../../operator/src/nats/errors.ts';
import { connectionTargetOf, type SecretData } from '../../operator/src/nats/target.ts';
import { serverConnections, usersConfig } from '../support/connz.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { testLogger, waitFor } from '../support/queue.ts';

/** The operator's shared connections, counted on a real nats-server with two users. */
describe('NatsConnections', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNats({ config: usersConfig({ alice: 'alice-pw', bob: 'bob-pw' }) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const defaults = () => ({ servers: server.url });
  const as = (user: string, password = `${user}-pw`) =>
    connectionTargetOf({}, { name: 'nats-auth', data: { user: Buffer.from(user), password: Buffer.from(password) } as SecretData }, defaults());
  const operatorUsers = async () => (await serverConnections(server.monitorUrl, 'celeriac-operator')).map((c) => c.authorized_user).sort();

  it('shares one connection between holders with equal settings and closes it when the last one leaves', async () => {
    const pool = new NatsConnections(testLogger);
    try {
      const [a, b] = await Promise.all([pool.acquire('ns/q1', as('alice')), pool.acquire('ns/q2', as('alice'))]);
      expect(a).toBe(b);
      expect(await operatorUsers()).toEqual(['alice']);

      // q1's Secret rotates to bob: q1 moves, alice's connection stays for q2.
      await pool.acquire('ns/q1', as('bob'));
      expect(await operatorUsers()).toEqual(['alice', 'bob']);
      await pool.acquire('ns/q2', as('bob'));
      await waitFor(async () => (await operatorUsers()).join() === 'bob', { what: "alice's connection to close" });
      expect(a.isClosed()).toBe(true);

      pool.release('ns/q1');
      expect(pool.size).toBe(1);
      pool.release('ns/q2');
      expect(pool.size).toBe(0);
      await waitFor(async () => (await operatorUsers()).length === 0, { what: "bob's connection to close" });
    } finally {
      await pool.closeAll();
    }
  });

  it('forgets a connection whose first connect fails, so the next acquire tries afresh', async () => {
    const pool = new NatsConnections(testLogger);
    try {
      await expect(pool.acquire('ns/q', as('alice', 'wrong'))).rejects.toBeInstanceOf(NatsUnavailable);
      expect(pool.size).toBe(0);
      await pool.acquire('ns/q', as('alice'));
      expect(await operatorUsers()).toEqual(['alice']);
    } finally {
      await pool.closeAll();
    }
    await waitFor(async () => (await operatorUsers()).length === 0, { what: 'closeAll to close every connection' });
  });
});
