import { createHmac, randomBytes } from 'node:crypto';
import { credsAuthenticator, type ConnectionOptions, type TlsOptions } from '@nats-io/nats-core';
import type { NatsSettings } from 'celeriac';
import { natsServerUrls, type UrlSource } from './url.ts';

/** The contents of a Secret named by `TaskQueue.spec.nats.secretRef` (base64-decoded). */
export type SecretData = Record<string, Buffer>;

/** Secret keys we read; anything else in the Secret is ignored. The worker reads the same keys. */
export const NATS_SECRET_KEYS = { url: 'url', creds: 'creds', user: 'user', password: 'password', token: 'token', ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** How the operator's own NATS_URL is named in a queue's condition. */
export const OPERATOR_URL_SOURCE: UrlSource = { origin: 'operator', name: 'operator setting NATS_URL' };

/** Id of the operator's own connection (queues without spec.nats). */
export const DEFAULT_CONNECTION = 'default';

/** One way to reach NATS: what to connect with, and the id under which queues share it. */
export interface ConnectionTarget {
  /** Equal for equal settings: queues with the same URL and Secret contents share a connection. */
  readonly id: string;
  readonly settings: NatsSettings;
  /** Credentials held in memory (creds, TLS material): no file ever holds a queue's Secret. */
  readonly extra: Partial<ConnectionOptions>;
  /** Log-safe: which kind of credentials, never their values. */
  readonly auth: string;
}

/**
 * A per-process key for connection ids. Ids are logged; a plain hash of a weak password could be
 * reversed offline, a keyed one cannot.
 */
const ID_KEY = randomBytes(32);

/**
 * Pure but for the id key: where a queue connects. `spec.nats` unset: the operator's own settings.
 * Otherwise the URL is spec.nats.url, else the Secret's `url`, else the operator's; credentials
 * come from the Secret. Text values are trimmed as the worker trims them (a Secret made from a
 * file often ends in a newline). Throws InvalidNatsUrl naming the URL's source.
 */
export function connectionTargetOf(
  spec: { url?: string | undefined } | undefined,
  secret: { name: string; data: SecretData } | undefined,
  defaults: NatsSettings,
): ConnectionTarget {
  if (!spec) {
    natsServerUrls(defaults.servers, OPERATOR_URL_SOURCE);
    return { id: DEFAULT_CONNECTION, settings: defaults, extra: {}, auth: defaults.credsFile ? 'creds' : defaults.token ? 'token' : defaults.user ? 'user' : 'none' };
  }
  const data = secret?.data ?? {};
  const text = (key: string) => data[key]?.toString('utf8').trim() || undefined;
  const secretUrl = text(NATS_SECRET_KEYS.url);
  const servers = spec.url
    ? natsServerUrls(spec.url, { origin: 'spec', name: 'spec.nats.url' })
    : secretUrl
      ? natsServerUrls(secretUrl, { origin: 'secret', name: `secret ${secret!.name} key ${NATS_SECRET_KEYS.url}` })
      : natsServerUrls(defaults.servers, OPERATOR_URL_SOURCE);

  const user = text(NATS_SECRET_KEYS.user);
  const password = text(NATS_SECRET_KEYS.password);
  const token = text(NATS_SECRET_KEYS.token);
  const settings: NatsSettings = { servers, name: 'celeriac-operator', ...(user ? { user } : {}), ...(password ? { password } : {}), ...(token ? { token } : {}) };
  const extra: Partial<ConnectionOptions> = {};
  const creds = data[NATS_SECRET_KEYS.creds];
  if (creds) extra.authenticator = credsAuthenticator(new Uint8Array(creds));
  const tls: TlsOptions = {};
  if (data[NATS_SECRET_KEYS.ca]) tls.ca = data[NATS_SECRET_KEYS.ca]!.toString('utf8');
  if (data[NATS_SECRET_KEYS.cert]) tls.cert = data[NATS_SECRET_KEYS.cert]!.toString('utf8');
  if (data[NATS_SECRET_KEYS.key]) tls.key = data[NATS_SECRET_KEYS.key]!.toString('utf8');
  if (Object.keys(tls).length > 0) extra.tls = tls;

  const mac = createHmac('sha256', ID_KEY).update(servers.join(',')).update('\0');
  for (const key of Object.values(NATS_SECRET_KEYS)) {
    if (key !== NATS_SECRET_KEYS.url && data[key]) mac.update(key).update('\0').update(data[key]).update('\0');
  }
  const auth = creds ? 'creds' : token ? 'token' : user ? 'user' : 'none';
  return { id: mac.digest('hex').slice(0, 16), settings, extra, auth };
}
