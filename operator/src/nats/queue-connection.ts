import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { TaskQueue } from '@celeriac/crds';
import type { NatsSettings } from 'celeriac';
import { formatKey, statusCodeOf, type ObjectKey, type WatchedCache } from '../controller/index.ts';
import type { NatsConnections } from './connections.ts';
import { InvalidNatsUrl, NatsUnavailable } from './errors.ts';
import { connectionTargetOf, type SecretData } from './target.ts';

/**
 * Resolves a TaskQueue's NATS connection (the operator's own, or from its url and Secret) and
 * holds it for the queue until the queue is gone.
 *
 * The Secret is read at every resolve, not watched: a queue is reconciled every refresh interval,
 * so a rotated Secret is picked up within one (QUEUE_REFRESH_MS), and the operator needs only
 * `get` on Secrets, never `list` or `watch` (it cannot enumerate them). The queue then moves to a
 * connection with the new credentials and the old one closes once no queue holds it.
 */
export class QueueConnector {
  private readonly core: CoreV1Api;
  private readonly connections: NatsConnections;
  private readonly defaults: NatsSettings;
  private readonly queues: WatchedCache;

  constructor(kc: KubeConfig, connections: NatsConnections, defaults: NatsSettings, queues: WatchedCache) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.connections = connections;
    this.defaults = defaults;
    this.queues = queues;
  }

  async connect(tq: TaskQueue): Promise<NatsConnection> {
    const key = { namespace: tq.metadata.namespace, name: tq.metadata.name };
    const holder = formatKey(key);
    const spec = tq.spec.nats;
    let secret: { name: string; data: SecretData } | undefined;
    if (spec?.secretRef) {
      const name = spec.secretRef.name;
      try {
        const s = await this.core.readNamespacedSecret({ name, namespace: tq.metadata.namespace ?? 'default' });
        secret = { name, data: Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])) };
      } catch (e) {
        // Gone for good: the credentials it held must not stay in use. Other errors (the API
        // server is briefly away) keep the queue on the connection it has.
        if (statusCodeOf(e) === 404) this.connections.release(holder);
        // The first line only: client-node errors can echo the request, never the Secret's data, but keep logs short.
        throw new NatsUnavailable(`cannot read Secret ${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    let target;
    try {
      target = connectionTargetOf(spec, secret, this.defaults);
    } catch (e) {
      if (e instanceof InvalidNatsUrl) this.connections.release(holder);
      throw e;
    }
    const conn = this.connections.acquire(holder, target);
    // The queue went while we read its Secret: its reconcile saw it gone and released it
    // already, so this hold would never end. Checked synchronously after acquiring, so a removal
    // after this point is followed by that reconcile's release.
    if (!this.queues.get(key.namespace, key.name)) {
      this.connections.release(holder);
      throw new NatsUnavailable('the queue was deleted');
    }
    return conn;
  }

  /** The queue is gone: let its connection close unless another queue shares it. */
  release(key: ObjectKey): void {
    this.connections.release(formatKey(key));
  }
}
