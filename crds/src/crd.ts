/** The two CustomResourceDefinitions, assembled from the schema definitions. */
import { API_GROUP, API_VERSION, CATEGORY, TASK_QUEUE, WORKER_POOL } from './names.ts';
import type { AnySchema, JSONSchemaProps, ValidationRule } from './schema.ts';
import { taskQueueRootRules, taskQueueSpec, taskQueueStatus } from './taskqueue.ts';
import { workerPoolRootRules, workerPoolSpec, workerPoolStatus } from './workerpool.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 1: only with `kubectl get -o wide`. */
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: {
        status: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

interface Resource {
  names: typeof TASK_QUEUE | typeof WORKER_POOL;
  description: string;
  spec: AnySchema;
  status: AnySchema;
  rootRules: readonly ValidationRule[];
  columns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function customResourceDefinition(r: Resource): CustomResourceDefinition {
  const { kind, listKind, plural, singular, shortNames } = r.names;
  const root: JSONSchemaProps = {
    description: r.description,
    type: 'object',
    properties: {
      apiVersion: { description: 'Versioned schema of this object: celeriac.dev/v1alpha1.', type: 'string' },
      kind: { description: `The kind: ${kind}.`, type: 'string' },
      metadata: { type: 'object' },
      spec: r.spec.openapi,
      status: r.status.openapi,
    },
    required: ['spec'],
    'x-kubernetes-validations': [...r.rootRules],
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'celeriac', 'app.kubernetes.io/part-of': 'celeriac' },
    },
    spec: {
      group: API_GROUP,
      names: { kind, listKind, plural, singular, shortNames: [...shortNames], categories: [CATEGORY] },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {}, ...(r.scale ? { scale: r.scale } : {}) },
          additionalPrinterColumns: r.columns,
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}

export const TASK_QUEUE_CRD = customResourceDefinition({
  names: TASK_QUEUE,
  description: 'A task queue: a JetStream work-queue stream with its consumer, retry policy, dead letters and results.',
  spec: taskQueueSpec,
  status: taskQueueStatus,
  rootRules: taskQueueRootRules,
  columns: [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Backlog', type: 'integer', jsonPath: '.status.backlog', description: 'Tasks waiting or running.' },
    { name: 'Dead', type: 'integer', jsonPath: '.status.deadLetters', description: 'Dead letters kept.' },
    { name: 'Paused', type: 'boolean', jsonPath: '.status.paused', description: 'Workers take no new task.' },
    { name: 'Schedules', type: 'integer', jsonPath: '.status.scheduleCount', description: 'Periodic schedules in effect.' },
    age,
    { name: 'Queue', type: 'string', jsonPath: '.status.queueName', priority: 1 },
    { name: 'Stream', type: 'string', jsonPath: '.status.stream', priority: 1 },
  ],
});

export const WORKER_POOL_CRD = customResourceDefinition({
  names: WORKER_POOL,
  description: 'A pool of workers running the tasks of one TaskQueue, autoscaled on its backlog.',
  spec: workerPoolSpec,
  status: workerPoolStatus,
  rootRules: workerPoolRootRules,
  columns: [
    { name: 'Queue', type: 'string', jsonPath: '.spec.queue' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Pods ready to take tasks.' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
    { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
    { name: 'Backlog', type: 'integer', jsonPath: '.status.backlog' },
    age,
    { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
  ],
  // spec.replicas is only honoured with autoscaling disabled (a CEL rule rejects it otherwise), so
  // `kubectl scale` works for fixed-size pools and fails loudly on autoscaled ones.
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
});
