import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, type NatsSettings } from 'celeriac';
import { describeConnection } from 'celeriac/topology';
import type { Logger } from 'pino';

/** The contents of a Secret named by `TaskQueue.spec.nats.secretRef` (base64-decoded). */
export type SecretData = Record<string, Buffer>;

/** Secret keys we read; anything else in the Secret is ignored. */
export const NATS_SECRET_KEYS = { url: 'url', creds: 'creds', user: 'user', password: 'password', token: 'token', ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** NATS refused or is unreachable: the queue's status says so and the reconcile retries later. */
export class NatsUnavailable extends Error {
  override readonly name = 'NatsUnavailable';
}

/**
 * Files are how nats.js takes creds and TLS material. They go to a private temp dir (0600), the
 * only writable path of the operator's read-only container, never to logs.
 */
async function materialise(data: SecretData, dir: string): Promise<Partial<NatsSettings>> {
  const out: Partial<NatsSettings> = {};
  const file = async (key: string) => {
    const path = join(dir, key);
    await writeFile(path, data[key]!, { mode: 0o600 });
    return path;
  };
  if (data[NATS_SECRET_KEYS.creds]) out.credsFile = await file(NATS_SECRET_KEYS.creds);
  if (data[NATS_SECRET_KEYS.user]) out.user = data[NATS_SECRET_KEYS.user]!.toString();
  if (data[NATS_SECRET_KEYS.password]) out.password = data[NATS_SECRET_KEYS.password]!.toString();
  if (data[NATS_SECRET_KEYS.token]) out.token = data[NATS_SECRET_KEYS.token]!.toString();
  const tls: NonNullable<NatsSettings['tls']> = {};
  if (data[NATS_SECRET_KEYS.ca]) tls.caFile = await file(NATS_SECRET_KEYS.ca);
  if (data[NATS_SECRET_KEYS.cert]) tls.certFile = await file(NATS_SECRET_KEYS.cert);
  if (data[NATS_SECRET_KEYS.key]) tls.keyFile = await file(NATS_SECRET_KEYS.key);
  if (Object.keys(tls).length > 0) out.tls = tls;
  return out;
}

/**
 * One NATS connection per distinct connection setting (the operator's own, plus one per queue
 * Secret), shared by every queue that uses it and reconnecting forever.
 */
export class NatsConnections {
  private readonly pool = new Map<string, Promise<NatsConnection>>();
  private readonly defaults: NatsSettings;
  private readonly log: Logger;

  constructor(defaults: NatsSettings, log: Logger) {
    this.defaults = defaults;
    this.log = log;
  }

  /** The connection for a queue: the operator's default, or from its url and Secret. */
  async get(spec: { url?: string | undefined } | undefined, secret: SecretData | undefined): Promise<NatsConnection> {
    if (!spec) return this.connect('default', this.defaults);
    const hash = createHash('sha256');
    hash.update(spec.url ?? '');
    for (const k of Object.keys(secret ?? {}).sort()) hash.update(k).update(secret![k]!);
    const id = hash.digest('hex').slice(0, 16);
    const url = spec.url ?? secret?.[NATS_SECRET_KEYS.url]?.toString() ?? this.defaults.servers;
    const dir = join(tmpdir(), `celeriac-nats-${id}`);
    return this.connect(id, async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return { servers: typeof url === 'string' ? url.split(',') : url, ...(secret ? await materialise(secret, dir) : {}), name: 'celeriac-operator' };
    });
  }

  private connect(id: string, settings: NatsSettings | (() => Promise<NatsSettings>)): Promise<NatsConnection> {
    let conn = this.pool.get(id);
    if (conn) return conn;
    conn = (async () => {
      const s = typeof settings === 'function' ? await settings() : settings;
      this.log.info({ nats: describeConnection(s), connection: id }, 'connecting to nats');
      try {
        // Fail fast on the first connect (the status must say NATS is down); reconnect forever after.
        return await connectNats(s, { waitOnFirstConnect: false, timeout: 5000 });
      } catch (e) {
        throw new NatsUnavailable(`cannot connect to NATS at ${describeConnection(s).servers.join(',')}: ${(e as Error).message}`);
      }
    })();
    this.pool.set(id, conn);
    conn.catch(() => this.pool.delete(id));
    return conn;
  }

  async closeAll(): Promise<void> {
    const all = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(all.map((c) => c.then((nc) => nc.close()).catch(() => undefined)));
  }
}
