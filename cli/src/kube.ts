import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, TASK_QUEUE, WORKER_POOL, type TaskQueue, type WorkerPool } from '@celeriac/crds';
import { CliError, firstLine, httpStatusOf } from './errors.ts';

export interface KubeFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  allNamespaces?: boolean | undefined;
}

/** The contents of a Secret, base64-decoded. Held in memory only, never printed. */
export type SecretData = Record<string, Buffer>;

const LIST_HINT = 'kubectl get tq -A lists them';

/**
 * Reads Celeriac objects the way kubectl does: the kubeconfig from --kubeconfig, else KUBECONFIG,
 * else ~/.kube/config; the context from --context, else the current one; the namespace from -n,
 * else the context's, else `default`. Everything is read with the user's own credentials, so
 * Kubernetes RBAC decides what the CLI may see.
 */
export class Kube {
  readonly namespace: string;
  readonly allNamespaces: boolean;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly server: string;

  constructor(flags: KubeFlags) {
    const kc = new KubeConfig();
    try {
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromDefault();
    } catch (e) {
      throw new CliError(`cannot read kubeconfig ${flags.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${firstLine(e)}`, 'pass --kubeconfig or set KUBECONFIG');
    }
    if (flags.context) {
      if (!kc.getContexts().some((c) => c.name === flags.context)) {
        throw new CliError(`context ${flags.context} not found in the kubeconfig`, 'kubectl config get-contexts lists them');
      }
      kc.setCurrentContext(flags.context);
    }
    this.namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    this.allNamespaces = flags.allNamespaces ?? false;
    this.server = kc.getCurrentCluster()?.server ?? '(no cluster)';
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The TaskQueues of the namespace, or of all namespaces with -A. */
  listQueues(): Promise<TaskQueue[]> {
    return this.list<TaskQueue>(TASK_QUEUE.plural);
  }

  listPools(): Promise<WorkerPool[]> {
    return this.list<WorkerPool>(WORKER_POOL.plural);
  }

  async getQueue(name: string): Promise<TaskQueue> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: this.namespace, plural: TASK_QUEUE.plural, name })) as TaskQueue;
    } catch (e) {
      if (httpStatusOf(e) === 404) throw new CliError(`taskqueue ${name} not found in namespace ${this.namespace}`, LIST_HINT);
      throw this.apiError(e, `taskqueue ${name}`);
    }
  }

  /** A queue's NATS Secret (spec.nats.secretRef), read with the user's credentials. */
  async readSecret(namespace: string, name: string, forQueue: string): Promise<SecretData> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === 404) throw new CliError(`secret ${name} of taskqueue ${forQueue} not found in namespace ${namespace}`, 'create it, or fix spec.nats.secretRef');
      if (status === 403) throw new CliError(`not allowed to read secret ${name} of taskqueue ${forQueue} in namespace ${namespace}`, 'ask for get on secrets, or pass --nats-url with credentials of your own');
      throw this.apiError(e, `secret ${name}`);
    }
  }

  private async list<T>(plural: string): Promise<T[]> {
    const base = { group: API_GROUP, version: API_VERSION, plural };
    try {
      const list = (this.allNamespaces
        ? await this.custom.listClusterCustomObject(base)
        : await this.custom.listNamespacedCustomObject({ ...base, namespace: this.namespace })) as { items: T[] };
      return list.items;
    } catch (e) {
      if (httpStatusOf(e) === 404) throw new CliError(`the ${plural}.${API_GROUP} resource is not installed on ${this.server}`, 'install the Celeriac chart (helm install celeriac helm/celeriac)');
      throw this.apiError(e, plural);
    }
  }

  private apiError(e: unknown, what: string): CliError {
    const status = httpStatusOf(e);
    if (status === 401 || status === 403) return new CliError(`not allowed to read ${what} in namespace ${this.namespace} (HTTP ${status})`, 'check your context and RBAC: kubectl auth can-i get taskqueues');
    return new CliError(`cannot reach the Kubernetes API server at ${this.server}: ${firstLine(e)}`, 'check --kubeconfig and --context');
  }
}
