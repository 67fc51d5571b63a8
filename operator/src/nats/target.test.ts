import { describe, expect, it } from 'vitest';
import { InvalidNatsUrl } from './errors.ts';
import { connectionTargetOf, DEFAULT_CONNECTION, type SecretData } from './target.ts';

const defaults = { servers: ['nats://operator-nats:4222'], name: 'celeriac-operator', user: 'op', password: 'op-pass' };
const secret = (data: Record<string, string>): { name: string; data: SecretData } => ({
  name: 'my-nats',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('connectionTargetOf', () => {
  it('uses the operator own connection when the queue names no NATS', () => {
    const t = connectionTargetOf(undefined, undefined, defaults);
    expect(t).toMatchObject({ id: DEFAULT_CONNECTION, settings: defaults, auth: 'user' });
  });

  it('takes the url from the spec, else the Secret, else the operator, and credentials from the Secret (trimmed)', () => {
    const s = secret({ url: 'nats://from-secret:4222\n', user: 'app\n', password: 'pw\n' });
    expect(connectionTargetOf({ url: 'nats://from-spec:4222' }, s, defaults).settings).toEqual({ servers: ['nats://from-spec:4222'], name: 'celeriac-operator', user: 'app', password: 'pw' });
    expect(connectionTargetOf({}, s, defaults).settings.servers).toEqual(['nats://from-secret:4222']);
    expect(connectionTargetOf({}, secret({ token: 't' }), defaults).settings).toEqual({ servers: defaults.servers, name: 'celeriac-operator', token: 't' });
  });

  it('keeps creds and TLS material in memory, never as file paths', () => {
    const t = connectionTargetOf({}, secret({ 'ca.crt': 'CA', 'tls.crt': 'CERT', 'tls.key': 'KEY', creds: 'not parsed until connect' }), defaults);
    expect(t.extra.tls).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY' });
    expect(typeof t.extra.authenticator).toBe('function');
    expect(t.settings).not.toHaveProperty('credsFile');
    expect(t.settings).not.toHaveProperty('tls');
    expect(t.auth).toBe('creds');
  });

  it('gives equal settings one id and a rotated Secret another', () => {
    const a = connectionTargetOf({}, secret({ user: 'a', password: 'x' }), defaults);
    expect(connectionTargetOf({}, secret({ password: 'x', user: 'a', unrelated: 'y' }), defaults).id).toBe(a.id);
    expect(connectionTargetOf({}, secret({ user: 'b', password: 'x' }), defaults).id).not.toBe(a.id);
    expect(connectionTargetOf({ url: 'nats://other:4222' }, secret({ user: 'a', password: 'x' }), defaults).id).not.toBe(a.id);
    expect(a.id).not.toBe(DEFAULT_CONNECTION);
  });

  it.each([
    [{ url: 'http://x:4222' }, {}, defaults, 'spec', /^spec\.nats\.url: /],
    [{}, { url: 'nats://app:pw@x:4222' }, defaults, 'secret', /^secret my-nats key url: .*credentials/],
    [{}, {}, { servers: 'ftp://x' }, 'operator', /^operator setting NATS_URL: /],
  ])('names the source of a bad url (%j, %j)', (spec, data, defs, origin, message) => {
    expect(() => connectionTargetOf(spec, secret(data), defs)).toThrow(InvalidNatsUrl);
    expect(() => connectionTargetOf(spec, secret(data), defs)).toThrow(message);
    try {
      connectionTargetOf(spec, secret(data), defs);
    } catch (e) {
      expect((e as InvalidNatsUrl).origin).toBe(origin);
      expect((e as Error).message).not.toContain('pw');
    }
  });
});
