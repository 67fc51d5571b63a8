import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export type EventType = 'Normal' | 'Warning';

/**
 * Records Kubernetes Events on our objects (`kubectl describe tq x` shows them). Best effort:
 * an event that cannot be written is logged, never fails a reconcile.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly component: string;
  private readonly log: Logger;

  constructor(kc: KubeConfig, component: string, log: Logger) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.component = component;
    this.log = log;
  }

  async record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata?.namespace ?? 'default';
    const now = new Date();
    try {
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${obj.metadata?.name ?? 'object'}.`, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion!,
            kind: obj.kind!,
            name: obj.metadata?.name ?? '',
            namespace,
            ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn({ err, reason }, 'could not record event');
    }
  }
}
