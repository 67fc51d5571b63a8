import { credsAuthenticator, type ConnectionOptions } from '@nats-io/nats-core';
import type { NatsSettings } from 'celeriac';
import { describeConnection } from 'celeriac/topology';
import type { TaskQueue } from '@celeriac/crds';
import { CliError } from './errors.ts';
import type { SecretData } from './kube.ts';

/** Where NATS is, when the queue does not say: --nats-url, else NATS_URL. */
export interface NatsFlags {
  natsUrl?: string | undefined;
}

/** How the CLI reaches one queue's NATS: settings plus credentials held in memory only. */
export interface NatsTarget {
  /** Equal for queues that can share a connection (same servers, same Secret). */
  key: string;
  settings: NatsSettings;
  extra: Partial<ConnectionOptions>;
  /** Log-safe: the hosts only, for error messages. */
  where: string;
}

const PORT_FORWARD_HINT = 'outside the cluster, run kubectl port-forward to the NATS service and pass --nats-url nats://127.0.0.1:4222';

/**
 * Pure: where a queue connects, as the operator and the workers do, with one difference: an URL
 * given on the command line wins over the queue's, because the queue's URL is usually an
 * in-cluster name the user's machine cannot resolve. Credentials come from the queue's Secret
 * (the same keys the operator reads: url, creds, user, password, token, ca.crt, tls.crt, tls.key).
 */
export function natsTargetOf(tq: TaskQueue, secret: SecretData | undefined, flags: NatsFlags, env: NodeJS.ProcessEnv): NatsTarget {
  const text = (key: string) => secret?.[key]?.toString('utf8').trim() || undefined;
  const url = flags.natsUrl ?? tq.spec.nats?.url ?? text('url') ?? env.NATS_URL;
  const ns = tq.metadata.namespace ?? 'default';
  if (!url) {
    throw new CliError(`taskqueue ${tq.metadata.name} in namespace ${ns} uses the operator's NATS connection, and no NATS URL was given`, `pass --nats-url or set NATS_URL; ${PORT_FORWARD_HINT}`);
  }
  const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
  const user = text('user');
  const password = text('password');
  const token = text('token');
  const settings: NatsSettings = { servers, name: 'kubectl-celeriac', ...(user ? { user } : {}), ...(password ? { password } : {}), ...(token ? { token } : {}) };
  const extra: Partial<ConnectionOptions> = {};
  const creds = secret?.creds;
  if (creds) extra.authenticator = credsAuthenticator(new Uint8Array(creds));
  const tls = {
    ...(secret?.['ca.crt'] ? { ca: text('ca.crt') } : {}),
    ...(secret?.['tls.crt'] ? { cert: text('tls.crt') } : {}),
    ...(secret?.['tls.key'] ? { key: text('tls.key') } : {}),
  };
  if (Object.keys(tls).length > 0) extra.tls = tls;
  const secretName = tq.spec.nats?.secretRef?.name;
  return {
    key: `${servers.join(',')}|${secretName ? `${ns}/${secretName}` : ''}`,
    settings,
    extra,
    where: describeConnection(settings).servers.join(','),
  };
}

export { PORT_FORWARD_HINT };
