import { readFile } from 'node:fs/promises';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/nats-core';

/**
 * How to reach NATS. Secrets are read from files (Kubernetes Secret volumes) or env set from
 * Secret refs, never from the CRD, and never logged: `describeConnection` prints only the URL host.
 */
export interface NatsSettings {
  servers: string | string[];
  /** Path to a NATS .creds file (JWT + nkey seed). */
  credsFile?: string;
  user?: string;
  password?: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
}

export async function connectNats(settings: NatsSettings, extra: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  const opts: ConnectionOptions = {
    servers: settings.servers,
    // A worker must outlive any NATS outage: reconnect forever, the readiness probe tells the truth.
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(settings.name ? { name: settings.name } : {}),
    ...extra,
  };
  if (settings.credsFile) opts.authenticator = credsAuthenticator(await readFile(settings.credsFile));
  if (settings.user) {
    opts.user = settings.user;
    if (settings.password !== undefined) opts.pass = settings.password;
  }
  if (settings.token) opts.token = settings.token;
  if (settings.tls) {
    opts.tls = {
      ...(settings.tls.caFile ? { caFile: settings.tls.caFile } : {}),
      ...(settings.tls.certFile ? { certFile: settings.tls.certFile } : {}),
      ...(settings.tls.keyFile ? { keyFile: settings.tls.keyFile } : {}),
    };
  }
  return connect(opts);
}

/** A log-safe description: hosts only, no userinfo, no secrets. */
export function describeConnection(settings: NatsSettings): { servers: string[]; auth: string } {
  const servers = (Array.isArray(settings.servers) ? settings.servers : [settings.servers]).map((s) => {
    try {
      const u = new URL(s.includes('://') ? s : `nats://${s}`);
      return `${u.protocol}//${u.host}`;
    } catch {
      return '(unparseable url)';
    }
  });
  const auth = settings.credsFile ? 'creds' : settings.token ? 'token' : settings.user ? 'user' : 'none';
  return { servers, auth };
}
