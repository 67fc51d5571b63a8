import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, TASK_QUEUE, WORKER_POOL, type TaskQueue, type WorkerPool } from '@celeriac/crds';

export interface Objects {
  queues: TaskQueue[];
  pools: WorkerPool[];
}

/**
 * Lists TaskQueues and WorkerPools with the dashboard's own identity: in every namespace, or in
 * one when the dashboard is limited to it. Users see the part their RBAC allows (auth/authorize.ts).
 */
export class ObjectReader {
  private readonly api: CustomObjectsApi;
  private readonly namespace: string | undefined;

  constructor(kc: KubeConfig, namespace: string | undefined) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.namespace = namespace;
  }

  async read(): Promise<Objects> {
    const [queues, pools] = await Promise.all([this.list<TaskQueue>(TASK_QUEUE.plural), this.list<WorkerPool>(WORKER_POOL.plural)]);
    return { queues, pools };
  }

  private async list<T>(plural: string): Promise<T[]> {
    const base = { group: API_GROUP, version: API_VERSION, plural };
    const list = (this.namespace ? await this.api.listNamespacedCustomObject({ ...base, namespace: this.namespace }) : await this.api.listClusterCustomObject(base)) as { items: T[] };
    return list.items;
  }
}
