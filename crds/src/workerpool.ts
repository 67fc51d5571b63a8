/** The WorkerPool resource: a Deployment of workers for one TaskQueue, autoscaled on its backlog. */
import { conditions } from './conditions.ts';
import { WORKER_POOL_DEFAULTS as D } from './defaults.ts';
import { QUEUE_NAME_MAX_LENGTH, QUEUE_NAME_PATTERN } from './names.ts';
import type { Authored, Stored, ValidationRule } from './schema.ts';
import {
  applyDefaults,
  array,
  bool,
  dateTime,
  duration,
  enumOf,
  int,
  looseObject,
  map,
  number,
  object,
  quantity,
  required,
  string,
} from './schema.ts';

const MAX_REPLICAS = 1000;

const scaleStep = (direction: 'up' | 'down', stabilizationWindow: string) =>
  object(
    {
      stabilizationWindow: duration({
        description:
          direction === 'up'
            ? 'Scale up to the lowest count recommended within this window (0s: act on the latest poll).'
            : 'Scale down to the highest count recommended within this window, so a short lull keeps the pods.',
        default: stabilizationWindow,
      }),
      maxStepReplicas: int({
        description: `Most pods ${direction === 'up' ? 'added' : 'removed'} by one decision; with maxStepPercent also set, the larger step applies. Unset: no limit.`,
        minimum: 1,
        maximum: MAX_REPLICAS,
      }),
      maxStepPercent: int({
        description: `Most pods ${direction === 'up' ? 'added' : 'removed'} by one decision, in percent of the current count. Unset: no limit.`,
        minimum: 1,
        maximum: direction === 'up' ? 1000 : 100,
      }),
    },
    { description: `How fast the pool ${direction === 'up' ? 'grows' : 'shrinks'}.`, default: {} },
  );

const autoscaling = object(
  {
    enabled: bool({
      description: 'Scale on the queue\'s backlog. false: run exactly spec.replicas pods.',
      default: D.autoscaling.enabled,
    }),
    minReplicas: int({
      description: 'Fewest pods; 0 lets an idle pool scale to zero.',
      minimum: 0,
      maximum: MAX_REPLICAS,
      default: D.autoscaling.minReplicas,
    }),
    maxReplicas: int({
      description: 'Most pods.',
      minimum: 1,
      maximum: MAX_REPLICAS,
      default: D.autoscaling.maxReplicas,
    }),
    targetBacklogPerReplica: int({
      description:
        'Backlog (tasks waiting or running) one pod is sized for, like KEDA\'s lagThreshold. Keep it below spec.concurrency so pods at target have free slots.',
      minimum: 1,
      maximum: 1_000_000,
      default: D.autoscaling.targetBacklogPerReplica,
    }),
    activationBacklog: int({
      description: 'A pool at zero starts its first pod when the backlog exceeds this.',
      minimum: 0,
      maximum: 1_000_000,
      default: D.autoscaling.activationBacklog,
    }),
    targetDrainTime: duration({
      description:
        'Optional: also keep enough pods to finish the backlog within this time at the measured throughput per pod, e.g. "60s".',
      min: '1s',
    }),
    scaleUp: scaleStep('up', D.autoscaling.scaleUp.stabilizationWindow),
    scaleDown: scaleStep('down', D.autoscaling.scaleDown.stabilizationWindow),
    scaleToZeroCooldown: duration({
      description: 'How long the backlog must stay at zero before the last pod goes.',
      default: D.autoscaling.scaleToZeroCooldown,
    }),
    pollInterval: duration({
      description: 'How often the operator reads the backlog and decides.',
      default: D.autoscaling.pollInterval,
      min: '100ms',
      max: '5m',
    }),
  },
  {
    description: 'Backlog-driven autoscaling. The operator scales the Deployment itself (no HPA or KEDA needed).',
    default: {},
    rules: [
      {
        rule: 'self.minReplicas <= self.maxReplicas',
        message: 'minReplicas must not exceed maxReplicas',
        fieldPath: '.minReplicas',
      },
    ],
  },
);

const envVar = object(
  {
    name: required(string({ description: 'Variable name.', minLength: 1, maxLength: 4096 })),
    value: string({ description: 'Literal value.' }),
    valueFrom: looseObject({ description: 'A core/v1 EnvVarSource (secretKeyRef, configMapKeyRef, fieldRef, ...).' }),
  },
  {
    description: 'A core/v1 EnvVar.',
    rules: [
      {
        rule: '!(has(self.value) && has(self.valueFrom))',
        message: 'set value or valueFrom, not both',
        reason: 'FieldValueForbidden',
      },
    ],
  },
);

const resourceList = (what: string) =>
  map(quantity({ description: 'Amount, e.g. "500m" or "256Mi".' }), { description: `${what} per worker container (cpu, memory, ...).` });

export const workerPoolSpec = object(
  {
    queue: required(
      string({
        description: 'Name of the TaskQueue, in the same namespace, whose tasks the pool runs.',
        pattern: QUEUE_NAME_PATTERN,
        patternHint: 'a DNS label',
        maxLength: QUEUE_NAME_MAX_LENGTH,
      }),
    ),
    image: required(string({ description: 'Container image of the worker.', minLength: 1, maxLength: 1024 })),
    imagePullPolicy: enumOf(['Always', 'IfNotPresent', 'Never'], { description: 'Unset: Kubernetes\' default for the tag.' }),
    command: array(string({ description: 'An argument.' }), {
      description: 'Entrypoint override. Unset: the image\'s entrypoint (celeriac-worker for the stock image).',
      maxItems: 256,
    }),
    args: array(string({ description: 'An argument.' }), { description: 'Arguments to the entrypoint.', maxItems: 256 }),
    taskModules: array(string({ description: 'A module path or package name.', minLength: 1, maxLength: 1024 }), {
      description: 'Modules the worker imports to register its tasks.',
      maxItems: 100,
    }),
    concurrency: int({
      description: 'Tasks one pod runs at once.',
      minimum: 1,
      maximum: 10_000,
      default: D.concurrency,
    }),
    env: array(envVar, {
      description: 'Environment variables of the worker container.',
      listType: 'map',
      mapKeys: ['name'],
      maxItems: 256,
    }),
    envFrom: array(looseObject({ description: 'A core/v1 EnvFromSource (configMapRef or secretRef).' }), {
      description: 'Sources of environment variables of the worker container.',
      maxItems: 64,
    }),
    resources: object(
      { requests: resourceList('Requests'), limits: resourceList('Limits') },
      { description: 'Compute resources of the worker container.' },
    ),
    podTemplate: object(
      {
        metadata: object(
          {
            labels: map(string({ description: 'Label value.' }), { description: 'Extra pod labels.' }),
            annotations: map(string({ description: 'Annotation value.' }), { description: 'Extra pod annotations.' }),
          },
          { description: 'Extra pod metadata.' },
        ),
        spec: looseObject({
          description:
            'A partial core/v1 PodSpec merged over the generated one: nodeSelector, tolerations, affinity, volumes, serviceAccountName, and a container named "worker" for container fields such as volumeMounts.',
        }),
      },
      { description: 'Overrides for the pods the operator generates.' },
    ),
    drainTimeout: duration({
      description: 'On shutdown, how long a worker may finish running tasks; terminationGracePeriodSeconds is derived from it.',
      default: D.drainTimeout,
      min: '1s',
    }),
    replicas: int({
      description: 'Fixed pod count when autoscaling.enabled is false (unset: 1). The scale subresource (kubectl scale) sets it.',
      minimum: 0,
      maximum: MAX_REPLICAS,
    }),
    autoscaling,
  },
  {
    description: 'Desired state of the pool.',
    rules: [
      {
        rule: '!has(self.replicas) || !self.autoscaling.enabled',
        message: 'replicas sets a fixed size and needs autoscaling.enabled: false',
        fieldPath: '.replicas',
        reason: 'FieldValueForbidden',
      },
    ],
  },
);

const replicaCount = (description: string) => int({ description, minimum: 0 });

export const workerPoolStatus = object(
  {
    observedGeneration: int({ description: 'The .metadata.generation this status describes.', format: 'int64', minimum: 0 }),
    conditions,
    replicas: replicaCount('Pods of the pool that exist.'),
    readyReplicas: replicaCount('Pods that are ready to take tasks.'),
    desiredReplicas: replicaCount('Pods the autoscaler (or spec.replicas) asks for.'),
    backlog: int({ description: 'Tasks waiting or running on the queue at the last poll.', format: 'int64', minimum: 0 }),
    lastScale: object(
      {
        time: required(dateTime({ description: 'When the pool was scaled.' })),
        from: required(replicaCount('Pods before.')),
        to: required(replicaCount('Pods after.')),
        reason: required(string({ description: 'Why, in words (e.g. "backlog 480 > 16 x 10 replicas").' })),
      },
      { description: 'The most recent scaling decision that changed the pod count.' },
    ),
    arrivalRate: number({ description: 'Tasks enqueued per second, recently.', minimum: 0 }),
    throughputPerReplica: number({ description: 'Tasks finished per second per ready pod, recently.', minimum: 0 }),
    selector: string({ description: 'Label selector of the pods, for the scale subresource.' }),
  },
  { description: 'Observed state, written by the operator.' },
);

/** Pool names become a Deployment's name and a pod label value, and label values stop at 63. */
export const workerPoolRootRules: readonly ValidationRule[] = [
  {
    rule: `size(self.metadata.name) <= ${QUEUE_NAME_MAX_LENGTH} && self.metadata.name.matches('${QUEUE_NAME_PATTERN}')`,
    message: `metadata.name must be a DNS label of at most ${QUEUE_NAME_MAX_LENGTH} characters: it is used as a pod label value`,
  },
];

/** A spec as the API server would store it: for tests and tools that build objects by hand. */
export function withWorkerPoolDefaults(spec: Authored<typeof workerPoolSpec>): Stored<typeof workerPoolSpec> {
  return applyDefaults(workerPoolSpec, spec);
}
