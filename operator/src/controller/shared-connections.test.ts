import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { shareApiConnections } from './shared-connections.ts';

const pem = (s: string) => Buffer.from(`-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`).toString('base64');

function kubeConfig(user: { token?: string; certData?: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: pem('Y2E='), skipTLSVerify: false }],
    users: [{ name: 'u', ...user, ...(user.certData ? { keyData: pem('a2V5') } : {}) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

describe('shareApiConnections', () => {
  it('gives every request the same connection pool while the TLS settings stay the same', async () => {
    const kc = shareApiConnections(kubeConfig({ token: 'a' }));
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
    // A new token is a header, not a TLS setting: the pool stays.
    (kc.getCurrentUser() as { token?: string }).token = 'b';
    expect(await dispatcherOf(kc)).toBe(first);
  });

  it('makes a new pool and closes the old one when the client certificate changes', async () => {
    const kc = shareApiConnections(kubeConfig({ certData: pem('b25l') }));
    const first = (await dispatcherOf(kc)) as { closed: boolean };
    (kc.getCurrentUser() as { certData?: string }).certData = pem('dHdv');
    const second = (await dispatcherOf(kc)) as { closed: boolean };
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
  });

  it('wraps a KubeConfig once however often it is called', async () => {
    const kc = shareApiConnections(shareApiConnections(kubeConfig({ token: 'a' })));
    expect(await dispatcherOf(kc)).toBe(await dispatcherOf(kc));
  });

  it('leaves an unwrapped KubeConfig making a pool per request (what this works around)', async () => {
    const kc = kubeConfig({ token: 'a' });
    expect(await dispatcherOf(kc)).not.toBe(await dispatcherOf(kc));
  });
});
