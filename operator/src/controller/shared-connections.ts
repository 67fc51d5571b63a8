import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

/** What client-node's KubeConfig builds per request: an undici Dispatcher, or none (plain HTTP). */
interface Dispatcher {
  close(): Promise<void>;
}

/** The members of KubeConfig this relies on (createDispatcher is private in its types). */
interface DispatcherFactory {
  createDispatcher(cluster: unknown, agentOptions: unknown): Dispatcher | undefined;
  createDispatcherOptions(cluster: unknown, agentOptions: unknown): unknown;
}

const shared = Symbol('celeriac.sharedApiConnections');

/**
 * Makes every API request of `kc` go through one connection pool per TLS identity.
 *
 * client-node 2.0's KubeConfig builds a new undici Agent for every request (createDispatcher, in
 * applySecurityAuthentication), so every request opened its own TLS connection: a handshake, a
 * fresh TLS context with the CA parsed again, and a socket left open until its keep-alive timer
 * ran out. During a mass apply that is hundreds of connections a second; native memory that V8
 * never sees, which made most of the operator's RSS (issue 13, docs/benchmarks.md#operator-at-scale).
 *
 * The Agent is kept while the TLS settings (CA, client certificate and key, server name) stay the
 * same; when they change (a rotated client certificate) a new one is made and the old one closes
 * once its requests, watches included, have ended. Bearer tokens are headers, not TLS settings,
 * so a refreshed token keeps the pool. Idempotent.
 */
export function shareApiConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as DispatcherFactory & { [shared]?: true };
  if (target[shared]) return kc;
  const create = target.createDispatcher.bind(kc);
  let current: { key: string; dispatcher: Dispatcher | undefined } | undefined;
  target.createDispatcher = (cluster, agentOptions) => {
    const key = fingerprint(target.createDispatcherOptions(cluster, agentOptions));
    if (current?.key === key) return current.dispatcher;
    const old = current?.dispatcher;
    current = { key, dispatcher: create(cluster, agentOptions) };
    void old?.close().catch(() => undefined); // already closed or destroyed: nothing to release
    return current.dispatcher;
  };
  target[shared] = true;
  return kc;
}

/** A digest of the dispatcher settings (keys and certificates are not kept in the clear). */
function fingerprint(options: unknown): string {
  const json = JSON.stringify(options, (_k, v: unknown) => (isBufferJson(v) ? Buffer.from(v.data).toString('base64') : v));
  return createHash('sha256').update(json).digest('base64');
}

function isBufferJson(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}
