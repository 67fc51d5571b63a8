import { describe, expect, it } from 'vitest';
import { checkCsrf, cookie, parseCookies } from './security.ts';

describe('CSRF check', () => {
  const base = { host: 'dash.example:8080', cookie: 'other=1; celeriac_csrf=tok123' };
  it.each([
    ['same origin with the cookie token', { ...base, origin: 'http://dash.example:8080' }, 'tok123', true],
    ['no Origin header (not a browser) with the token', base, 'tok123', true],
    ['another site', { ...base, origin: 'https://evil.example' }, 'tok123', false],
    ['an opaque origin (sandboxed frame, file:)', { ...base, origin: 'null' }, 'tok123', false],
    ['a wrong token', { ...base, origin: 'http://dash.example:8080' }, 'tok124', false],
    ['no token', base, undefined, false],
    ['no cookie', { host: base.host }, 'tok123', false],
    ['a token of another length', base, 'tok1234', false],
  ])('%s', (_name, headers, token, ok) => {
    expect(checkCsrf(headers, token).ok).toBe(ok);
  });
});

describe('cookies', () => {
  it('parses and survives malformed values', () => {
    expect(parseCookies('a=1; b=%zz; c = x%20y')).toEqual({ a: '1', c: 'x y' });
  });
  it('are HttpOnly and SameSite=Strict, Secure when asked', () => {
    expect(cookie('t', 'v', { secure: true, maxAgeS: 60 })).toBe('t=v; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60');
  });
});
