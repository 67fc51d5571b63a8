import type { V1Container, V1Deployment, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import { GROUP_VERSION, WORKER_POOL, parseDuration, queueNameOf, type TaskQueue, type WorkerPool } from '@celeriac/crds';
import { queueSettingsOf, retryPolicyOf } from '../taskqueue/settings.ts';
import { poolLabels, poolSelector } from './labels.ts';

/** Where a queue's NATS Secret is mounted in worker pods; the worker reads the keys it finds there. */
export const NATS_SECRET_DIR = '/var/run/celeriac/nats';
export const WORKER_CONTAINER = 'worker';
const HTTP_PORT = 8080;
/**
 * The worker image's USER (worker-runtime/Dockerfile). Above 10000 so it is no user of the node
 * (a container escape lands as nobody; scanners such as checkov CKV_K8S_40 flag lower ones);
 * 65532 is distroless' nonroot, a number many clusters already allow.
 */
export const WORKER_UID = 65532;
/** SIGTERM to SIGKILL must cover the drain plus connection close and exit. */
const EXIT_MARGIN_S = 5;

/** Requests so the scheduler places pods sensibly; a memory limit so one leaky task cannot starve a node. */
const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } };

export interface DeploymentContext {
  /** NATS URL for workers when the queue names none (the operator's own). */
  defaultNatsUrl: string;
  /** Replicas to create the Deployment with; omitted afterwards (the autoscaler owns them). */
  initialReplicas?: number;
}

/** The worker's environment: the contract between operator and runtime (worker-runtime/src/cli/config.ts). */
export function workerEnv(pool: WorkerPool, tq: TaskQueue, ctx: DeploymentContext): V1EnvVar[] {
  const s = pool.spec;
  const env: V1EnvVar[] = [
    { name: 'CELERIAC_QUEUE', value: queueNameOf(tq) },
    { name: 'CELERIAC_CONCURRENCY', value: String(s.concurrency) },
    { name: 'CELERIAC_DRAIN_TIMEOUT_MS', value: String(parseDuration(s.drainTimeout)) },
    { name: 'CELERIAC_DEFAULT_RETRY', value: JSON.stringify(retryPolicyOf(tq)) },
    { name: 'CELERIAC_RESULTS', value: String(tq.spec.results.enabled) },
    { name: 'CELERIAC_UNKNOWN_TASK_GRACE_MS', value: String(queueSettingsOf(tq).unknownTaskGraceMs) },
    { name: 'CELERIAC_WORKER_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'NATS_URL', value: tq.spec.nats?.url ?? ctx.defaultNatsUrl },
  ];
  if (s.taskModules && s.taskModules.length > 0) env.push({ name: 'CELERIAC_TASK_MODULES', value: s.taskModules.join(',') });
  if (tq.spec.nats?.secretRef) env.push({ name: 'NATS_SECRET_DIR', value: NATS_SECRET_DIR });
  // User env last: an explicit setting in the pool wins over ours.
  const user = new Set((s.env ?? []).map((e) => e.name));
  return [...env.filter((e) => !user.has(e.name)), ...((s.env ?? []) as V1EnvVar[])];
}

function workerContainer(pool: WorkerPool, tq: TaskQueue, ctx: DeploymentContext): V1Container {
  const s = pool.spec;
  const mounts = [{ name: 'tmp', mountPath: '/tmp' }];
  if (tq.spec.nats?.secretRef) mounts.push({ name: 'nats-secret', mountPath: NATS_SECRET_DIR, readOnly: true } as (typeof mounts)[number]);
  return {
    name: WORKER_CONTAINER,
    image: s.image,
    ...(s.imagePullPolicy ? { imagePullPolicy: s.imagePullPolicy } : {}),
    ...(s.command ? { command: s.command } : {}),
    ...(s.args ? { args: s.args } : {}),
    env: workerEnv(pool, tq, ctx),
    ...(s.envFrom ? { envFrom: s.envFrom as V1Container['envFrom'] } : {}),
    ports: [{ name: 'http', containerPort: HTTP_PORT }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
    resources: (s.resources as V1Container['resources']) ?? DEFAULT_RESOURCES,
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
}

/** Merges a user's partial pod spec over ours: scalar and list fields replace, the `worker` container merges. */
export function mergePodSpec(base: V1PodSpec, override: Record<string, unknown> | undefined): V1PodSpec {
  if (!override) return base;
  const { containers, volumes, ...rest } = override as Partial<V1PodSpec>;
  const merged: V1PodSpec = { ...base, ...rest };
  if (volumes) merged.volumes = [...(base.volumes ?? []), ...volumes];
  if (containers) {
    const ours = base.containers.map((c) => {
      const o = containers.find((x) => x.name === c.name);
      if (!o) return c;
      return { ...c, ...o, volumeMounts: [...(c.volumeMounts ?? []), ...(o.volumeMounts ?? [])], env: [...(c.env ?? []), ...(o.env ?? [])] };
    });
    merged.containers = [...ours, ...containers.filter((x) => !base.containers.some((c) => c.name === x.name))];
  }
  return merged;
}

/**
 * The Deployment of a WorkerPool, owned by it (deleting the pool deletes it). Pure. `replicas`
 * is left out except at creation: the autoscaler owns it under its own field manager.
 */
export function desiredDeployment(pool: WorkerPool, tq: TaskQueue, ctx: DeploymentContext): V1Deployment {
  const name = pool.metadata.name;
  const queue = queueNameOf(tq);
  const labels = poolLabels(name, queue);
  const tpl = pool.spec.podTemplate;
  const podSpec: V1PodSpec = {
    // Workers never talk to the API server.
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: Math.ceil(parseDuration(pool.spec.drainTimeout) / 1000) + EXIT_MARGIN_S,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [workerContainer(pool, tq, ctx)],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      ...(tq.spec.nats?.secretRef ? [{ name: 'nats-secret', secret: { secretName: tq.spec.nats.secretRef.name, defaultMode: 0o400 } }] : []),
    ],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: pool.metadata.namespace!,
      labels,
      ownerReferences: [
        { apiVersion: GROUP_VERSION, kind: WORKER_POOL.kind, name, uid: pool.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      ...(ctx.initialReplicas !== undefined ? { replicas: ctx.initialReplicas } : {}),
      selector: { matchLabels: poolSelector(name) },
      // New workers start before old ones stop: a rollout never lowers capacity.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels: { ...(tpl?.metadata?.labels ?? {}), ...labels },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(HTTP_PORT), ...(tpl?.metadata?.annotations ?? {}) },
        },
        spec: mergePodSpec(podSpec, tpl?.spec as Record<string, unknown> | undefined),
      },
    },
  };
}
