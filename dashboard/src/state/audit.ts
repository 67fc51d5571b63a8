import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, API_GROUP, TASK_QUEUE, type TaskQueue } from '@celeriac/crds';
import type { Identity } from '../auth/rbac.ts';

/**
 * Every action taken in the dashboard becomes a Kubernetes Event on its TaskQueue
 * (`kubectl describe tq` and `kubectl get events` show who did what), and a log line.
 */
export class Audit {
  private readonly core: CoreV1Api;
  private readonly log: Logger;

  constructor(kc: KubeConfig, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.log = log;
  }

  async record(tq: TaskQueue, who: Identity, reason: string, message: string): Promise<void> {
    const namespace = tq.metadata.namespace ?? 'default';
    const now = new Date();
    this.log.info({ namespace, taskqueue: tq.metadata.name, user: who.user, reason }, 'dashboard action');
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${tq.metadata.name}.dashboard.`, namespace },
          involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: TASK_QUEUE.kind, name: tq.metadata.name, namespace, ...(tq.metadata.uid ? { uid: tq.metadata.uid } : {}) },
          reason,
          message: `${message} (by ${who.user}, from the dashboard)`,
          type: 'Normal',
          source: { component: 'celeriac-dashboard' },
          reportingComponent: 'celeriac.dev/dashboard',
          reportingInstance: process.env.HOSTNAME ?? 'celeriac-dashboard',
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      // The action happened; a lost audit Event is logged, not turned into a failed action.
      this.log.warn({ namespace, taskqueue: tq.metadata.name, reason, err: e instanceof Error ? e.message : String(e) }, 'cannot record dashboard event');
    }
  }
}
