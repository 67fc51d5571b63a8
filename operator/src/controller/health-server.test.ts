import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from './health-server.ts';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('health server', () => {
  it('serves liveness, readiness from its function, and Prometheus metrics', async () => {
    const registry = new Registry();
    new Counter({ name: 'celeriac_test_total', help: 'test', registers: [registry] }).inc(3);
    let ready = false;
    const s = await startHealthServer({ host: '127.0.0.1', ready: () => ready, registry });
    servers.push(s);

    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${s.url}/readyz`);
    expect([notReady.status, await notReady.text()]).toEqual([503, 'not ready\n']);
    ready = true;
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);

    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(registry.contentType);
    expect(await metrics.text()).toContain('celeriac_test_total 3');

    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
    expect((await fetch(`${s.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 500 when a probe function throws, and keeps serving', async () => {
    const s = await startHealthServer({
      host: '127.0.0.1',
      ready: () => Promise.reject(new Error('boom')),
      live: async () => false,
      registry: new Registry(),
    });
    servers.push(s);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(500);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(503);
  });
});
