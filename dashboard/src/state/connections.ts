import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from 'celeriac';
import { natsTargetOf } from '@celeriac/cli';
import type { TaskQueue } from '@celeriac/crds';

/**
 * The dashboard's NATS connections, one per distinct target (servers + Secret), shared by every
 * queue on it, as the operator does. Credentials come from the queue's Secret and stay in memory.
 */
export class Connections {
  private readonly core: CoreV1Api;
  private readonly natsUrl: string | undefined;
  private readonly timeoutMs: number;
  private readonly open = new Map<string, Promise<NatsConnection>>();

  constructor(kc: KubeConfig, natsUrl: string | undefined, timeoutMs: number) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.natsUrl = natsUrl;
    this.timeoutMs = timeoutMs;
  }

  async of(tq: TaskQueue): Promise<NatsConnection> {
    const namespace = tq.metadata.namespace ?? 'default';
    const ref = tq.spec.nats?.secretRef?.name;
    const secret = ref ? Object.fromEntries(Object.entries((await this.core.readNamespacedSecret({ name: ref, namespace })).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])) : undefined;
    // The queue's own URL wins here (the dashboard runs in the cluster); --nats-url is the fallback.
    const target = natsTargetOf(tq, secret, {}, { NATS_URL: this.natsUrl });
    let nc = this.open.get(target.key);
    if (!nc) {
      nc = connectNats({ ...target.settings, name: 'celeriac-dashboard' }, { ...target.extra, timeout: this.timeoutMs });
      nc.catch(() => this.open.delete(target.key));
      this.open.set(target.key, nc);
    }
    return nc;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.open.values());
    this.open.clear();
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
