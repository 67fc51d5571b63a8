import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

const workerBin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'worker-runtime', 'bin', 'celeriac-worker.js');

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  stopping: boolean;
}

/**
 * kwok makes pods Running without running anything. This plays the kubelet's part for worker
 * pods: a real celeriac-worker process per Running pod, with the pod's own env (so the
 * operator's env contract is exercised), SIGTERM when the pod is deleted.
 */
export class PodRunner {
  readonly processes = new Map<string, Running>();
  /** Every pod name that ever got a process, in order. */
  readonly started: string[] = [];
  private readonly api: CoreV1Api;
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private readonly namespace: string;
  private readonly selector: string;
  private readonly extraEnv: Record<string, string>;

  constructor(kc: KubeConfig, namespace: string, selector: string, extraEnv: Record<string, string> = {}) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.namespace = namespace;
    this.selector = selector;
    this.extraEnv = extraEnv;
    this.timer = setInterval(() => void this.sync(), 200);
  }

  private async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const pods = await this.api.listNamespacedPod({ namespace: this.namespace, labelSelector: this.selector });
      const live = new Set<string>();
      for (const pod of pods.items) {
        const name = pod.metadata!.name!;
        const running = pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
        if (running) {
          live.add(name);
          if (!this.processes.has(name)) this.start(pod);
        }
      }
      for (const [name, r] of this.processes) if (!live.has(name)) this.stopOne(name, r);
    } catch {
      // the API server is busy: next tick
    } finally {
      this.busy = false;
    }
  }

  private start(pod: V1Pod): void {
    const name = pod.metadata!.name!;
    const env: Record<string, string> = { ...process.env, ...this.extraEnv } as Record<string, string>;
    for (const e of pod.spec?.containers[0]?.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = name;
    }
    env.CELERIAC_HTTP_PORT = '0';
    const child = spawn(process.execPath, [workerBin], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', () => undefined);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    this.processes.set(name, { child, exited, stopping: false });
    this.started.push(name);
  }

  private stopOne(name: string, r: Running): void {
    if (r.stopping) return;
    r.stopping = true;
    r.child.kill('SIGTERM');
    void r.exited.then(() => this.processes.delete(name));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const [name, r] of this.processes) this.stopOne(name, r);
    await Promise.all([...this.processes.values()].map((r) => r.exited));
  }
}
