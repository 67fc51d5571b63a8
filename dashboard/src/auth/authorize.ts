import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { resourceAttributes, type Identity, type Operation } from './rbac.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * Answers "may this identity do this to this queue?" with the API server's own RBAC: a
 * SubjectAccessReview (or, in kubeconfig mode, a SelfSubjectAccessReview), cached briefly.
 */
export class Authorizer {
  private readonly api: AuthorizationV1Api;
  private readonly answers: TtlCache<boolean>;

  constructor(kc: KubeConfig, cacheMs: number) {
    this.api = kc.makeApiClient(AuthorizationV1Api);
    this.answers = new TtlCache(cacheMs);
  }

  can(who: Identity, op: Operation, namespace: string, name?: string): Promise<boolean> {
    const attrs = resourceAttributes(op, namespace, name);
    const key = JSON.stringify([who.user, who.groups, who.self ?? false, attrs]);
    return this.answers.get(key, async () => {
      if (who.self) {
        const r = await this.api.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } } });
        return r.status?.allowed === true;
      }
      const r = await this.api.createSubjectAccessReview({
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: who.user, groups: who.groups, resourceAttributes: attrs } },
      });
      return r.status?.allowed === true;
    });
  }

  /** The subset of `ops` allowed on one queue, asked in parallel. */
  async allowed<O extends Operation>(who: Identity, ops: readonly O[], namespace: string, name: string): Promise<Set<O>> {
    const answers = await Promise.all(ops.map((op) => this.can(who, op, namespace, name)));
    return new Set(ops.filter((_, i) => answers[i]));
  }
}
