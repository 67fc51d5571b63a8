import { describe, expect, it } from 'vitest';
import { InvalidNatsUrl } from './errors.ts';
import { natsServerUrls } from './url.ts';

const secret = { origin: 'secret', name: 'secret my-nats key url' } as const;

describe('natsServerUrls', () => {
  it.each([
    ['nats://a:4222', ['nats://a:4222']],
    ['tls://a:4222, wss://b:443', ['tls://a:4222', 'wss://b:443']],
    ['127.0.0.1:4222', ['127.0.0.1:4222']],
  ])('accepts %j', (raw, want) => {
    expect(natsServerUrls(raw, secret)).toEqual(want);
  });

  it.each([
    ['', /is empty/],
    ['nats://a:4222,', /server 2 of 2 is empty/],
    ['http://a:4222', /must start with nats:\/\//],
    ['nats://app:s3cret@a:4222', /must not carry credentials/],
    ['app:s3cret@a:4222', /must not carry credentials/],
    ['nats://a:4222 nats://b:4222', /whitespace/],
    ['nats://a:99999', /not a URL/],
  ])('rejects %j naming the source and the problem, never the text', (raw, problem) => {
    let err: unknown;
    try {
      natsServerUrls(raw, secret);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidNatsUrl);
    const e = err as InvalidNatsUrl;
    expect(e.origin).toBe('secret');
    expect(e.message).toMatch(/^secret my-nats key url: /);
    expect(e.message).toMatch(problem);
    expect(e.message).not.toContain('s3cret');
  });
});
