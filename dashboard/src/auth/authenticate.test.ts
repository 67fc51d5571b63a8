import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { Authenticator, bearerToken } from './authenticate.ts';

// A kubeconfig pointing nowhere: these modes must never call the API server.
const kc = new KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const opts = { userHeader: 'X-Remote-User', groupsHeader: 'X-Remote-Group', reviewCacheMs: 1000 };

describe('Authenticator', () => {
  it('reads an auth proxy\'s user and groups, repeated or comma-separated', async () => {
    const a = new Authenticator(kc, { ...opts, mode: 'header' });
    expect(await a.identify(request({ 'x-remote-user': 'alice', 'x-remote-group': ['ops, oncall', 'devs'] }))).toEqual({ user: 'alice', groups: ['ops', 'oncall', 'devs'] });
    expect(await a.identify(request({ 'x-remote-group': 'ops' }))).toBeUndefined();
  });
  it('in kubeconfig mode, is the kubeconfig user asking about itself', async () => {
    const a = new Authenticator(kc, { ...opts, mode: 'kubeconfig' });
    expect(await a.identify(request({}))).toEqual({ user: 'kubeconfig', groups: [], self: true });
  });
  it('in token mode, nobody without a token (no API call)', async () => {
    const a = new Authenticator(kc, { ...opts, mode: 'token' });
    expect(await a.identify(request({}))).toBeUndefined();
  });
  it('takes the token from the Authorization header before the sign-in cookie', () => {
    expect(bearerToken(request({ authorization: 'Bearer abc', cookie: 'celeriac_token=def' }))).toBe('abc');
    expect(bearerToken(request({ cookie: 'x=1; celeriac_token=def' }))).toBe('def');
    expect(bearerToken(request({ authorization: 'Basic abc' }))).toBeUndefined();
  });
});
