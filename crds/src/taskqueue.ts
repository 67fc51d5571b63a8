/** The TaskQueue resource: a JetStream work-queue stream, its consumer, dead letters and results. */
import { conditions } from './conditions.ts';
import { guardedDurationRule } from './duration.ts';
import { TASK_QUEUE_DEFAULTS as D } from './defaults.ts';
import { QUEUE_NAME_MAX_LENGTH, QUEUE_NAME_PATTERN, TASK_NAME_MAX_LENGTH, TASK_NAME_PATTERN } from './names.ts';
import { retryPolicy } from './retry-policy.ts';
import { schedules, schedulesStatus } from './schedules.ts';
import { rateLimits } from './rate-limits.ts';
import { fairness, laneRules, priorities } from './lanes.ts';
import type { Authored, Stored, ValidationRule } from './schema.ts';
import { applyDefaults, array, bool, byteSize, duration, enumOf, int, object, required, string } from './schema.ts';

const count = (description: string) => int({ description, format: 'int64', minimum: 0 });

const limits = object(
  {
    maxAge: duration({ description: 'Tasks waiting longer are removed. Unset: no age limit.', min: '1s' }),
    maxMessages: int({ description: 'Most tasks waiting at once. Unset: no limit.', format: 'int64', minimum: 1 }),
    maxBytes: byteSize({ description: 'Most bytes of waiting tasks, e.g. "10Gi". Unset: no limit.' }),
    discard: enumOf(['New', 'Old'], {
      description: 'At a limit, New refuses new enqueues (the producer gets an error); Old deletes the oldest tasks.',
      default: D.discard,
    }),
  },
  { description: 'Limits on the tasks waiting in the stream.', default: {} },
);

const deadLetter = object(
  {
    enabled: bool({
      description: 'Keep tasks that exhausted their attempts (or were rejected) in the stream CELERIAC_<QUEUE>_DLQ.',
      default: D.deadLetter.enabled,
    }),
    maxAge: duration({ description: 'Dead letters older than this are removed.', default: D.deadLetter.maxAge, min: '1s' }),
    maxMessages: int({ description: 'Most dead letters kept (oldest go first). Unset: no limit.', format: 'int64', minimum: 1 }),
    maxBytes: byteSize({ description: 'Most bytes of dead letters kept (oldest go first). Unset: no limit.' }),
  },
  { description: 'Where tasks go when they cannot succeed.', default: {} },
);

const results = object(
  {
    enabled: bool({
      description: 'Store each task\'s state and return value in the KV bucket CELERIAC_<QUEUE>_RESULTS.',
      default: D.results.enabled,
    }),
    ttl: duration({ description: 'How long a result is kept.', default: D.results.ttl, min: '1s' }),
    maxBytes: byteSize({ description: 'Most bytes the result bucket may hold. Unset: no limit.' }),
  },
  { description: 'The result backend.', default: {} },
);

const nats = object(
  {
    url: string({
      description:
        'Server URLs, comma-separated; overrides the Secret\'s `url` key. Credentials never go here: use secretRef.',
      maxLength: 2048,
      pattern: '^(nats|tls|ws|wss)://[^\\s,]+(,(nats|tls|ws|wss)://[^\\s,]+)*$',
      patternHint: 'nats://, tls://, ws:// or wss:// URLs, comma-separated',
      rules: [{ rule: "!self.contains('@')", message: 'must not carry credentials: put them in the Secret of secretRef' }],
    }),
    secretRef: object(
      {
        name: required(
          string({
            description: 'Name of a Secret in the TaskQueue\'s namespace.',
            maxLength: 253,
            pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
            patternHint: 'a DNS subdomain',
          }),
        ),
      },
      {
        description:
          'Secret with any of the keys url, creds (a .creds file), user and password, token, ca.crt, tls.crt and tls.key.',
      },
    ),
  },
  {
    description: 'Connection to NATS for this queue. Unset: the operator\'s own connection.',
    rules: [{ rule: 'has(self.url) || has(self.secretRef)', message: 'set url, secretRef or both', reason: 'FieldValueRequired' }],
  },
);

export const taskQueueSpec = object(
  {
    queueName: string({
      description:
        'The queue\'s name in NATS (subjects celeriac.<queueName>.tasks.<task>, stream CELERIAC_<QUEUENAME>). Unset: metadata.name.',
      pattern: QUEUE_NAME_PATTERN,
      patternHint: 'a DNS label (lowercase letters, digits, -)',
      maxLength: QUEUE_NAME_MAX_LENGTH,
      immutable: true,
    }),
    tasks: array(
      string({
        description: 'A task name.',
        pattern: TASK_NAME_PATTERN,
        patternHint: 'letters, digits, _ and -, dot-separated',
        maxLength: TASK_NAME_MAX_LENGTH,
      }),
      {
        description:
          'Task names the queue carries: the stream binds only their subjects, so enqueuing any other task fails at once. Unset: any task.',
        listType: 'set',
        maxItems: 1000,
      },
    ),
    storage: enumOf(['File', 'Memory'], {
      description: 'Where JetStream keeps the tasks. Memory loses them when the server restarts.',
      default: D.storage,
      immutable: true,
    }),
    replicas: int({
      description: 'Copies of the stream in a NATS cluster: 1, or 3 for a clustered NATS.',
      enum: [1, 3],
      default: D.replicas,
    }),
    limits,
    retry: retryPolicy,
    ackWait: duration({
      description: 'A task delivered to a worker that neither finishes nor reports progress within this is redelivered.',
      default: D.ackWait,
      min: '1s',
    }),
    maxInFlight: int({
      description: 'Most tasks running at once across all workers of the queue.',
      minimum: 1,
      maximum: 1_000_000,
      default: D.maxInFlight,
    }),
    maxDeliveries: int({
      description:
        'Most deliveries of one task message (JetStream max_deliver): retries, redeliveries after a lost worker and hand-backs all count. The server-side bound on a task that never settles.',
      minimum: 1,
      default: D.maxDeliveries,
    }),
    deadLetter,
    results,
    dedupeWindow: duration({
      description: 'Two enqueues with the same idempotency key within this window run once.',
      default: D.dedupeWindow,
      min: '1s',
    }),
    unknownTaskGracePeriod: duration({
      description:
        'A task no running worker knows (during a rolling upgrade, one only the new version defines) is handed back for this long, from the first time a worker found it unknown, before it is dead-lettered as unknown-task. A task no worker of the queue has announced is dead-lettered at once.',
      default: D.unknownTaskGracePeriod,
    }),
    concurrencySlotTtl: duration({
      description:
        'How long a per-key concurrency slot (defineTask concurrency) outlives its last renewal: the slots of a worker that died are free again within this, plus about a second. Workers renew their slots every third of it and read it when they start (restart them after lowering it). Unset: 15s.',
      min: '3s',
    }),
    deletionPolicy: enumOf(['Retain', 'Delete'], {
      description: 'On deleting the TaskQueue, Retain keeps the streams and results in NATS; Delete removes them.',
      default: D.deletionPolicy,
    }),
    nats,
    paused: bool({
      description:
        'Pause the queue: workers start no new task (JetStream consumer pause), running ones finish, waiting and new tasks stay queued, the autoscaler adds no replica. False resumes it. Unset leaves it as it is (a pause made with pauseQueue or the CLI holds); status.paused shows the state either way.',
    }),
    schedules,
    rateLimits,
    priorities,
    fairness,
  },
  {
    description: 'Desired state of the queue.',
    default: {},
    rules: [
      {
        // `self == oldSelf` on queueName only runs when both sides have it; this closes the gap.
        rule: 'has(self.queueName) == has(oldSelf.queueName)',
        message: 'queueName cannot be added or removed after creation: it names the stream',
        fieldPath: '.queueName',
        reason: 'FieldValueForbidden',
      },
      {
        // Every retry is a delivery: a lower bound would cut the queue's own retry policy short.
        rule: 'self.maxDeliveries >= self.retry.maxAttempts',
        message: `maxDeliveries (default ${D.maxDeliveries}) must be at least retry.maxAttempts: every retry is a delivery`,
        fieldPath: '.maxDeliveries',
      },
      {
        // JetStream refuses a duplicate window longer than the stream's max age.
        rule: `!has(self.limits.maxAge) || ${guardedDurationRule(
          ['self.dedupeWindow', 'self.limits.maxAge'],
          'duration(self.dedupeWindow) <= duration(self.limits.maxAge)',
        )}`,
        message: `dedupeWindow (default ${D.dedupeWindow}) must not exceed limits.maxAge: lower it too`,
        fieldPath: '.dedupeWindow',
      },
      ...laneRules,
    ],
  },
);

export const taskQueueStatus = object(
  {
    observedGeneration: int({ description: 'The .metadata.generation this status describes.', format: 'int64', minimum: 0 }),
    conditions,
    queueName: string({ description: 'The queue name in use (spec.queueName or metadata.name).' }),
    stream: string({ description: 'Name of the JetStream stream holding the tasks.' }),
    backlog: count('Tasks not yet finished: pending plus ackPending.'),
    pending: count('Tasks waiting for a worker.'),
    ackPending: count('Tasks delivered to a worker and not yet acknowledged.'),
    deadLetters: count('Messages in the dead-letter stream.'),
    paused: bool({ description: 'Whether the queue\'s consumer is paused now (spec.paused applied).' }),
    ...schedulesStatus,
  },
  { description: 'Observed state, written by the operator.' },
);

/**
 * The queue name defaults to metadata.name, which Kubernetes allows to be longer and dotted; only
 * a root rule can see both, so it lives here (CEL may read metadata.name at the root).
 */
export const taskQueueRootRules: readonly ValidationRule[] = [
  {
    rule: `has(self.spec.queueName) || (size(self.metadata.name) <= ${QUEUE_NAME_MAX_LENGTH} && self.metadata.name.matches('${QUEUE_NAME_PATTERN}'))`,
    message: `metadata.name is used as the queue name and must then be a DNS label of at most ${QUEUE_NAME_MAX_LENGTH} characters: rename or set spec.queueName`,
    fieldPath: '.spec.queueName',
  },
];

/** A spec as the API server would store it: for tests and tools that build objects by hand. */
export function withTaskQueueDefaults(spec: Authored<typeof taskQueueSpec> = {}): Stored<typeof taskQueueSpec> {
  return applyDefaults(taskQueueSpec, spec);
}

/** The queue's name in NATS: spec.queueName, else metadata.name (the CRD guarantees either is a DNS label). */
export function queueNameOf(queue: { metadata: { name: string }; spec?: { queueName?: string } }): string {
  return queue.spec?.queueName ?? queue.metadata.name;
}
