import type { Applier } from '../controller/index.ts';

/** The field manager that owns `spec.replicas` of worker Deployments. */
export const AUTOSCALER_FIELD_MANAGER = 'celeriac-autoscaler';

/**
 * Sets a Deployment's replicas under a field manager of its own. The reconciler's apply leaves
 * replicas out, so the two never fight: this is Kubernetes' documented way to hand replicas to an
 * autoscaler (server-side apply, "transferring ownership").
 */
export class ReplicaSetter {
  private readonly applier: Applier;

  /** `applier` must use AUTOSCALER_FIELD_MANAGER (`new Applier(kc, AUTOSCALER_FIELD_MANAGER)`). */
  constructor(applier: Applier) {
    if (applier.fieldManager !== AUTOSCALER_FIELD_MANAGER) throw new Error(`ReplicaSetter needs field manager ${AUTOSCALER_FIELD_MANAGER}`);
    this.applier = applier;
  }

  async set(namespace: string, name: string, replicas: number): Promise<void> {
    await this.applier.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas } } as never);
  }
}
