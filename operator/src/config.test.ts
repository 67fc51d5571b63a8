import { describe, expect, it } from 'vitest';
import { readOperatorConfig } from './config.ts';

describe('readOperatorConfig', () => {
  it('reads NATS settings including mutual TLS, with flags over env', () => {
    const c = readOperatorConfig(['--watch-namespace=apps'], {
      NATS_URL: 'tls://a:4222,tls://b:4222',
      NATS_CA_FILE: '/etc/nats/ca.crt',
      NATS_CERT_FILE: '/etc/nats/tls.crt',
      NATS_KEY_FILE: '/etc/nats/tls.key',
      WATCH_NAMESPACE: 'ignored',
      POD_NAMESPACE: 'celeriac',
    });
    expect(c.nats).toMatchObject({ servers: ['tls://a:4222', 'tls://b:4222'], tls: { caFile: '/etc/nats/ca.crt', certFile: '/etc/nats/tls.crt', keyFile: '/etc/nats/tls.key' } });
    expect(c.watchNamespace).toBe('apps');
    expect(c.workerNatsUrl).toBe('tls://a:4222,tls://b:4222');
    expect(c.leaderElection).toMatchObject({ enabled: true, namespace: 'celeriac' });
  });

  it('reads reconcile concurrency and the API write limit, with defaults', () => {
    expect(readOperatorConfig([], {})).toMatchObject({ reconcileWorkers: 16, apiWriteQps: 200, apiWriteBurst: 400 });
    expect(readOperatorConfig(['--reconcile-workers=8'], { API_WRITE_QPS: '50', API_WRITE_BURST: '100' })).toMatchObject({
      reconcileWorkers: 8,
      apiWriteQps: 50,
      apiWriteBurst: 100,
    });
  });

  it.each([
    [['--bogus'], {}, /--bogus/],
    [[], { HTTP_PORT: 'eighty' }, /HTTP_PORT/],
    [[], { RECONCILE_WORKERS: '0' }, /RECONCILE_WORKERS must be at least 1/],
    [[], { API_WRITE_QPS: '0' }, /API_WRITE_QPS/],
  ])('rejects %j %j naming what is wrong', (argv, env, msg) => {
    expect(() => readOperatorConfig(argv, env)).toThrow(msg);
  });
});
