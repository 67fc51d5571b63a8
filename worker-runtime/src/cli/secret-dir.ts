import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsSettings } from '../connection.ts';

/**
 * Reads NATS credentials from a mounted Secret (NATS_SECRET_DIR): whichever of the keys `url`,
 * `creds`, `user`, `password`, `token`, `ca.crt`, `tls.crt`, `tls.key` exist. Values override env.
 */
export function settingsFromSecretDir(dir: string, base: NatsSettings): NatsSettings {
  const at = (key: string) => join(dir, key);
  const has = (key: string) => existsSync(at(key));
  const text = (key: string) => readFileSync(at(key), 'utf8').trim();
  const out: NatsSettings = { ...base };
  if (has('url')) out.servers = text('url').split(',').map((s) => s.trim());
  if (has('creds')) out.credsFile = at('creds');
  if (has('user')) out.user = text('user');
  if (has('password')) out.password = text('password');
  if (has('token')) out.token = text('token');
  const tls = {
    ...(base.tls ?? {}),
    ...(has('ca.crt') ? { caFile: at('ca.crt') } : {}),
    ...(has('tls.crt') ? { certFile: at('tls.crt') } : {}),
    ...(has('tls.key') ? { keyFile: at('tls.key') } : {}),
  };
  if (Object.keys(tls).length > 0) out.tls = tls;
  return out;
}
