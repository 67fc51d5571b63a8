import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { defaults, type TokenBucket } from '../controller/index.ts';
import { EventThrottle } from './event-throttle.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** At most one Event per object and reason per this window. Default: `defaults.eventWindowMs`. */
  windowMs?: number;
  /** The operator's shared limit on API writes. */
  writeLimit?: TokenBucket;
}

/**
 * Records Kubernetes Events on our objects (`kubectl describe tq x` shows them). Best effort:
 * an event that cannot be written is logged, never fails a reconcile. Rate-limited per object
 * and reason (EventThrottle), so a flapping input cannot flood the Event store.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly component: string;
  private readonly log: Logger;
  private readonly throttle: EventThrottle;
  private readonly writeLimit: TokenBucket | undefined;

  constructor(kc: KubeConfig, component: string, log: Logger, opts: EventRecorderOptions = {}) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.component = component;
    this.log = log;
    this.throttle = new EventThrottle(opts.windowMs ?? defaults.eventWindowMs);
    this.writeLimit = opts.writeLimit;
  }

  /** Resolves `false` when the Event was held back (per-object window, or no spare write capacity). */
  async record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<boolean> {
    const namespace = obj.metadata?.namespace ?? 'default';
    const admission = this.throttle.admit(`${namespace}/${obj.kind ?? ''}/${obj.metadata?.name ?? ''}/${reason}`);
    if (!admission.send) return false;
    const text = admission.suppressed > 0 ? `${message} (${admission.suppressed} similar held back)` : message;
    // Events use spare write capacity only: during a mass change a reconcile's writes must not
    // queue behind the Events of the reconciles before it.
    if (this.writeLimit && !this.writeLimit.tryTake()) {
      this.log.debug({ reason }, 'event dropped by the write limit');
      return false;
    }
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
          message: text.slice(0, 1024),
          source: { component: this.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn({ err, reason }, 'could not record event');
    }
    return true;
  }
}
