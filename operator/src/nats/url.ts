import { InvalidNatsUrl, type NatsUrlOrigin } from './errors.ts';

/** The schemes nats.js connects with; the CRD's pattern for spec.nats.url allows the same. */
const SCHEMES = new Set(['nats:', 'tls:', 'ws:', 'wss:']);

/** Names a URL's origin in messages: `spec.nats.url`, `secret my-nats key url`, `operator setting NATS_URL`. */
export interface UrlSource {
  origin: NatsUrlOrigin;
  name: string;
}

/**
 * Checks a comma-separated server list from any source by the rules the CRD applies to
 * spec.nats.url: known schemes, a host, no credentials (those belong in the Secret's keys, where
 * they are neither logged nor shown in status). A bare `host:port` means nats://, as in nats.js.
 * Problems name the position, never the text: a malformed URL may hold a password.
 */
export function natsServerUrls(raw: string | readonly string[], source: UrlSource): string[] {
  const fail = (problem: string) => new InvalidNatsUrl(source.origin, source.name, problem);
  const parts = (typeof raw === 'string' ? raw.split(',') : raw).map((s) => s.trim());
  if (parts.length === 0 || parts.every((s) => s === '')) throw fail('is empty');
  return parts.map((s, i) => {
    const which = parts.length > 1 ? `server ${i + 1} of ${parts.length}` : 'the url';
    if (s === '') throw fail(`${which} is empty (a stray comma?)`);
    if (/\s/.test(s)) throw fail(`${which} contains whitespace`);
    let u: URL;
    try {
      u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `nats://${s}`);
    } catch {
      throw fail(`${which} is not a URL`);
    }
    if (!SCHEMES.has(u.protocol)) throw fail(`${which} must start with nats://, tls://, ws:// or wss://`);
    if (u.username || u.password) throw fail(`${which} must not carry credentials: use the Secret's user and password (or creds, token) keys`);
    if (!u.hostname) throw fail(`${which} has no host`);
    return s;
  });
}
