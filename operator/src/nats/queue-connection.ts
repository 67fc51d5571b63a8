import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { TaskQueue } from '@celeriac/crds';
import { NatsUnavailable, type NatsConnections, type SecretData } from './connections.ts';

/** Resolves a TaskQueue's NATS connection: the operator's own, or from its url and Secret. */
export class QueueConnector {
  private readonly core: CoreV1Api;
  private readonly connections: NatsConnections;

  constructor(kc: KubeConfig, connections: NatsConnections) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.connections = connections;
  }

  async connect(tq: TaskQueue): Promise<NatsConnection> {
    const spec = tq.spec.nats;
    let secret: SecretData | undefined;
    if (spec?.secretRef) {
      try {
        const s = await this.core.readNamespacedSecret({ name: spec.secretRef.name, namespace: tq.metadata.namespace ?? 'default' });
        secret = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
      } catch (e) {
        // The first line only: client-node errors can echo the request, never the Secret's data, but keep logs short.
        throw new NatsUnavailable(`cannot read Secret ${spec.secretRef.name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return this.connections.get(spec, secret);
  }
}
