/**
 * Objects the API server must reject, each with the field its error must name; and edge cases it
 * must accept, so the rules are not stricter than documented. test/integration/crd-validation.test.ts
 * applies them to a real API server. Objects carry no name unless the name is the point: the test
 * names them.
 */
import { GROUP_VERSION, TASK_QUEUE, WORKER_POOL } from './names.ts';

export type Manifest = { apiVersion: string; kind: string; metadata: { name?: string }; spec?: Record<string, unknown> };

export interface InvalidCase {
  /** What is wrong, in words: the test's title. */
  what: string;
  object: Manifest;
  /** Applied (and accepted) first, with the same name: for rules about updates. */
  before?: Manifest;
  /** Substring of the API server's error that names the field, e.g. "spec.retry.maxAttempts". */
  field: string;
  /** Another substring the error must contain, for our own CEL messages. */
  says?: string;
}

const tq = (spec?: Record<string, unknown>, name?: string): Manifest => ({
  apiVersion: GROUP_VERSION,
  kind: TASK_QUEUE.kind,
  metadata: name === undefined ? {} : { name },
  ...(spec === undefined ? {} : { spec }),
});
const wp = (spec?: Record<string, unknown>, name?: string): Manifest => ({
  apiVersion: GROUP_VERSION,
  kind: WORKER_POOL.kind,
  metadata: name === undefined ? {} : { name },
  ...(spec === undefined ? {} : { spec }),
});
/** A valid pool plus the fields under test. */
const pool = (extra: Record<string, unknown>, name?: string) =>
  wp({ queue: 'emails', image: 'registry.example/app:1', ...extra }, name);
const backoff = (b: Record<string, unknown>) => tq({ retry: { backoff: b } });
/** One schedule named `nightly` of task `report`, plus the fields under test. */
const sched = (extra: Record<string, unknown>) => tq({ schedules: [{ name: 'nightly', task: 'report', ...extra }] });
const scaling = (a: Record<string, unknown>) => pool({ autoscaling: a });

export const INVALID_CASES: readonly InvalidCase[] = [
  // TaskQueue: the stream
  { what: 'storage outside its enum', object: tq({ storage: 'Disk' }), field: 'spec.storage' },
  { what: 'replicas 2 (only 1 or 3)', object: tq({ replicas: 2 }), field: 'spec.replicas' },
  { what: 'replicas as a word', object: tq({ replicas: 'three' }), field: 'spec.replicas' },
  { what: 'queueName with capitals', object: tq({ queueName: 'Emails' }), field: 'spec.queueName' },
  { what: 'queueName with a dot', object: tq({ queueName: 'emails.v2' }), field: 'spec.queueName' },
  { what: 'queueName longer than 63', object: tq({ queueName: 'q'.repeat(64) }), field: 'spec.queueName' },
  {
    what: 'a dotted name used as the queue name',
    object: tq({}, 'emails.v2'),
    field: 'spec.queueName',
    says: 'metadata.name is used as the queue name',
  },
  { what: 'a task name with a wildcard', object: tq({ tasks: ['emails.*'] }), field: 'spec.tasks[0]' },
  { what: 'a task name with a space', object: tq({ tasks: ['send email'] }), field: 'spec.tasks[0]' },
  { what: 'a task listed twice', object: tq({ tasks: ['send', 'send'] }), field: 'spec.tasks[1]' },
  { what: 'limits.maxAge in words', object: tq({ limits: { maxAge: '10 minutes' } }), field: 'spec.limits.maxAge' },
  { what: 'limits.maxAge in words beside a dedupeWindow', object: tq({ dedupeWindow: '1m', limits: { maxAge: '1 hour' } }), field: 'spec.limits.maxAge' },
  { what: 'limits.maxAge below 1s', object: tq({ limits: { maxAge: '500ms' } }), field: 'spec.limits.maxAge', says: 'at least 1s' },
  { what: 'limits.maxMessages 0', object: tq({ limits: { maxMessages: 0 } }), field: 'spec.limits.maxMessages' },
  { what: 'limits.maxBytes with a wrong suffix', object: tq({ limits: { maxBytes: '10GB' } }), field: 'spec.limits.maxBytes' },
  { what: 'limits.maxBytes negative', object: tq({ limits: { maxBytes: -1 } }), field: 'spec.limits.maxBytes' },
  { what: 'limits.discard outside its enum', object: tq({ limits: { discard: 'Oldest' } }), field: 'spec.limits.discard' },
  // TaskQueue: retries
  { what: 'retry.maxAttempts 0', object: tq({ retry: { maxAttempts: 0 } }), field: 'spec.retry.maxAttempts' },
  { what: 'retry.maxAttempts above 1000', object: tq({ retry: { maxAttempts: 1001 } }), field: 'spec.retry.maxAttempts' },
  { what: 'backoff type linear', object: backoff({ type: 'linear' }), field: 'spec.retry.backoff.type' },
  { what: 'list backoff without delays', object: backoff({ type: 'list' }), field: 'spec.retry.backoff.delays', says: 'at least one' },
  { what: 'list backoff with no delays', object: backoff({ type: 'list', delays: [] }), field: 'spec.retry.backoff.delays' },
  { what: 'delays on an exponential backoff', object: backoff({ delays: ['1s'] }), field: 'spec.retry.backoff.delays' },
  { what: 'a delay that is no duration', object: backoff({ type: 'list', delays: ['1s', 'soon'] }), field: 'spec.retry.backoff.delays[1]' },
  { what: 'backoff.delay without a unit', object: backoff({ delay: '5' }), field: 'spec.retry.backoff.delay' },
  { what: 'backoff.maxDelay in words', object: backoff({ maxDelay: 'five minutes' }), field: 'spec.retry.backoff.maxDelay' },
  { what: 'maxDelay below delay', object: backoff({ delay: '10s', maxDelay: '5s' }), field: 'spec.retry.backoff.maxDelay' },
  // TaskQueue: delivery, dead letters, results
  { what: 'ackWait in days', object: tq({ ackWait: '1d' }), field: 'spec.ackWait' },
  { what: 'ackWait in words', object: tq({ ackWait: '5 minutes' }), field: 'spec.ackWait' },
  { what: 'ackWait longer than Go can represent', object: tq({ ackWait: '2562048h' }), field: 'spec.ackWait' },
  { what: 'ackWait negative', object: tq({ ackWait: '-30s' }), field: 'spec.ackWait' },
  { what: 'ackWait zero', object: tq({ ackWait: '0s' }), field: 'spec.ackWait' },
  { what: 'maxInFlight 0', object: tq({ maxInFlight: 0 }), field: 'spec.maxInFlight' },
  { what: 'maxDeliveries 0', object: tq({ maxDeliveries: 0 }), field: 'spec.maxDeliveries' },
  { what: 'maxDeliveries as a word', object: tq({ maxDeliveries: 'many' }), field: 'spec.maxDeliveries' },
  {
    what: 'maxDeliveries below retry.maxAttempts',
    object: tq({ maxDeliveries: 3, retry: { maxAttempts: 5 } }),
    field: 'spec.maxDeliveries',
    says: 'every retry is a delivery',
  },
  { what: 'unknownTaskGracePeriod in words', object: tq({ unknownTaskGracePeriod: '10 minutes' }), field: 'spec.unknownTaskGracePeriod' },
  { what: 'concurrencySlotTtl under 3s', object: tq({ concurrencySlotTtl: '1s' }), field: 'spec.concurrencySlotTtl' },
  { what: 'deadLetter.maxAge forever', object: tq({ deadLetter: { maxAge: 'forever' } }), field: 'spec.deadLetter.maxAge' },
  { what: 'deadLetter.enabled as a word', object: tq({ deadLetter: { enabled: 'yes' } }), field: 'spec.deadLetter.enabled' },
  { what: 'results.ttl zero', object: tq({ results: { ttl: '0s' } }), field: 'spec.results.ttl' },
  { what: 'results.ttl in words', object: tq({ results: { ttl: 'a day' } }), field: 'spec.results.ttl' },
  { what: 'results.maxBytes with a space', object: tq({ results: { maxBytes: '1 Gi' } }), field: 'spec.results.maxBytes' },
  {
    what: 'dedupeWindow longer than limits.maxAge',
    object: tq({ dedupeWindow: '10m', limits: { maxAge: '5m' } }),
    field: 'spec.dedupeWindow',
  },
  { what: 'dedupeWindow in words beside limits.maxAge', object: tq({ dedupeWindow: '2 minutes', limits: { maxAge: '1h' } }), field: 'spec.dedupeWindow' },
  { what: 'deletionPolicy Orphan', object: tq({ deletionPolicy: 'Orphan' }), field: 'spec.deletionPolicy' },
  // TaskQueue: NATS connection, never with inline secrets
  { what: 'nats.url over http', object: tq({ nats: { url: 'http://nats:4222' } }), field: 'spec.nats.url' },
  {
    what: 'credentials inside nats.url',
    object: tq({ nats: { url: 'nats://app:s3cret@nats:4222' } }),
    field: 'spec.nats.url',
    says: 'must not carry credentials',
  },
  { what: 'nats with neither url nor secretRef', object: tq({ nats: {} }), field: 'spec.nats' },
  { what: 'nats.secretRef without a name', object: tq({ nats: { secretRef: {} } }), field: 'spec.nats.secretRef.name' },
  { what: 'an inline password', object: tq({ nats: { url: 'nats://nats:4222', password: 's3cret' } }), field: 'spec.nats.password' },
  // TaskQueue: updates
  {
    what: 'storage changed after creation',
    before: tq({ storage: 'File' }),
    object: tq({ storage: 'Memory' }),
    field: 'spec.storage',
    says: 'immutable',
  },
  {
    what: 'queueName changed after creation',
    before: tq({ queueName: 'mail' }),
    object: tq({ queueName: 'email' }),
    field: 'spec.queueName',
    says: 'immutable',
  },
  { what: 'queueName added after creation', before: tq({}), object: tq({ queueName: 'mail' }), field: 'spec.queueName' },
  // WorkerPool
  { what: 'a pool without spec', object: wp(), field: 'spec' },
  { what: 'a pool without queue', object: wp({ image: 'registry.example/app:1' }), field: 'spec.queue' },
  { what: 'a pool without image', object: wp({ queue: 'emails' }), field: 'spec.image' },
  { what: 'queue with capitals', object: pool({ queue: 'Emails' }), field: 'spec.queue' },
  { what: 'an empty image', object: pool({ image: '' }), field: 'spec.image' },
  { what: 'concurrency 0', object: pool({ concurrency: 0 }), field: 'spec.concurrency' },
  { what: 'concurrency above 10000', object: pool({ concurrency: 10_001 }), field: 'spec.concurrency' },
  { what: 'imagePullPolicy outside its enum', object: pool({ imagePullPolicy: 'Sometimes' }), field: 'spec.imagePullPolicy' },
  { what: 'command as a string', object: pool({ command: 'node worker.js' }), field: 'spec.command' },
  { what: 'an empty task module path', object: pool({ taskModules: [''] }), field: 'spec.taskModules[0]' },
  { what: 'an env entry without a name', object: pool({ env: [{ value: 'x' }] }), field: 'spec.env[0].name' },
  {
    what: 'an env name twice',
    object: pool({ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }),
    field: 'spec.env[1]',
  },
  {
    what: 'env with value and valueFrom',
    object: pool({ env: [{ name: 'A', value: '1', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
    field: 'spec.env[0]',
    says: 'not both',
  },
  { what: 'a cpu limit in words', object: pool({ resources: { limits: { cpu: 'lots' } } }), field: 'spec.resources.limits.cpu' },
  { what: 'podTemplate as a string', object: pool({ podTemplate: 'big' }), field: 'spec.podTemplate' },
  {
    what: 'a pod label that is not a string',
    object: pool({ podTemplate: { metadata: { labels: { tier: 1 } } } }),
    field: 'spec.podTemplate.metadata.labels.tier',
  },
  { what: 'drainTimeout in days', object: pool({ drainTimeout: '2d' }), field: 'spec.drainTimeout' },
  { what: 'drainTimeout in words', object: pool({ drainTimeout: '30 seconds' }), field: 'spec.drainTimeout' },
  { what: 'a memory request in words', object: pool({ resources: { requests: { memory: 'a lot' } } }), field: 'spec.resources.requests.memory' },
  { what: 'replicas while autoscaling is on', object: pool({ replicas: 3 }), field: 'spec.replicas', says: 'autoscaling.enabled: false' },
  {
    what: 'minReplicas above maxReplicas',
    object: scaling({ minReplicas: 5, maxReplicas: 2 }),
    field: 'spec.autoscaling.minReplicas',
    says: 'minReplicas must not exceed maxReplicas',
  },
  { what: 'maxReplicas 0', object: scaling({ maxReplicas: 0 }), field: 'spec.autoscaling.maxReplicas' },
  { what: 'minReplicas negative', object: scaling({ minReplicas: -1 }), field: 'spec.autoscaling.minReplicas' },
  { what: 'targetBacklogPerReplica 0', object: scaling({ targetBacklogPerReplica: 0 }), field: 'spec.autoscaling.targetBacklogPerReplica' },
  { what: 'activationBacklog negative', object: scaling({ activationBacklog: -1 }), field: 'spec.autoscaling.activationBacklog' },
  { what: 'pollInterval of 10ms', object: scaling({ pollInterval: '10ms' }), field: 'spec.autoscaling.pollInterval', says: 'at least 100ms' },
  { what: 'targetDrainTime in words', object: scaling({ targetDrainTime: 'soon' }), field: 'spec.autoscaling.targetDrainTime' },
  { what: 'pollInterval in words', object: scaling({ pollInterval: 'every second' }), field: 'spec.autoscaling.pollInterval' },
  {
    what: 'scaleDown.maxStepPercent above 100',
    object: scaling({ scaleDown: { maxStepPercent: 150 } }),
    field: 'spec.autoscaling.scaleDown.maxStepPercent',
  },
  {
    what: 'scaleUp.stabilizationWindow as a number',
    object: scaling({ scaleUp: { stabilizationWindow: 30 } }),
    field: 'spec.autoscaling.scaleUp.stabilizationWindow',
  },
  { what: 'a pool name too long for a label', object: pool({}, 'p'.repeat(64)), field: 'metadata.name', says: 'pod label value' },
  // TaskQueue: rate limits
  { what: 'a rate limit of 0', object: tq({ rateLimits: [{ limit: 0 }] }), field: 'spec.rateLimits[0].limit' },
  { what: 'a rate limit without a limit', object: tq({ rateLimits: [{ task: 'report' }] }), field: 'spec.rateLimits[0].limit' },
  { what: 'a rate limit period under 100ms', object: tq({ rateLimits: [{ limit: 5, period: '10ms' }] }), field: 'spec.rateLimits[0].period', says: 'at least 100ms' },
  { what: 'a rate limit period over an hour', object: tq({ rateLimits: [{ limit: 5, period: '2h' }] }), field: 'spec.rateLimits[0].period', says: 'at most 1h' },
  { what: 'a rate limit on a task name no subject can carry', object: tq({ rateLimits: [{ task: 'a b', limit: 5 }] }), field: 'spec.rateLimits[0].task' },
  {
    what: 'two rate limits for one task',
    object: tq({ rateLimits: [{ task: 'report', limit: 5 }, { task: 'report', limit: 6 }] }),
    field: 'spec.rateLimits',
    says: 'at most one limit per task',
  },
  { what: 'two queue-wide rate limits', object: tq({ rateLimits: [{ limit: 5 }, { limit: 6, period: '1m' }] }), field: 'spec.rateLimits', says: 'at most one limit per task' },
  // TaskQueue: periodic schedules
  { what: 'a schedule with a 3-field cron', object: sched({ cron: '* * *' }), field: 'spec.schedules[0].cron' },
  { what: 'a schedule with a cron in words', object: sched({ cron: 'every monday' }), field: 'spec.schedules[0].cron' },
  { what: 'a schedule with an unknown preset', object: sched({ cron: '@fortnightly' }), field: 'spec.schedules[0].cron' },
  { what: 'a schedule with a time zone that is no zone name', object: sched({ cron: '@daily', timeZone: 'Berlin time' }), field: 'spec.schedules[0].timeZone' },
  { what: 'a schedule with both cron and every', object: sched({ cron: '@hourly', every: '1h' }), field: 'spec.schedules[0].cron', says: 'exactly one' },
  { what: 'a schedule with neither cron nor every', object: sched({}), field: 'spec.schedules[0].cron', says: 'exactly one' },
  { what: 'a schedule every 500ms', object: sched({ every: '500ms' }), field: 'spec.schedules[0].every', says: 'at least 1s' },
  { what: 'a time zone on an interval schedule', object: sched({ every: '1m', timeZone: 'UTC' }), field: 'spec.schedules[0].timeZone' },
  { what: 'a schedule with a dotted name', object: sched({ name: 'a.b', every: '1m' }), field: 'spec.schedules[0].name' },
  {
    what: 'two schedules with one name',
    object: tq({ schedules: [{ name: 'a', task: 't', every: '1m' }, { name: 'a', task: 't', every: '2m' }] }),
    field: 'spec.schedules[1]',
  },
  // TaskQueue: lanes (priorities, fairness)
  { what: 'priorities without levels', object: tq({ priorities: { lowShare: 10 } }), field: 'spec.priorities.levels' },
  { what: 'zero priority levels', object: tq({ priorities: { levels: 0 } }), field: 'spec.priorities.levels' },
  { what: 'eleven priority levels', object: tq({ priorities: { levels: 11 } }), field: 'spec.priorities.levels' },
  { what: 'a low share over 50 %', object: tq({ priorities: { levels: 3, lowShare: 60 } }), field: 'spec.priorities.lowShare' },
  { what: 'a negative low share', object: tq({ priorities: { levels: 3, lowShare: -1 } }), field: 'spec.priorities.lowShare' },
  { what: 'fairness with 65 buckets', object: tq({ fairness: { buckets: 65 } }), field: 'spec.fairness.buckets' },
  { what: 'fairness without buckets', object: tq({ fairness: {} }), field: 'spec.fairness.buckets' },
  {
    what: 'more than 64 lanes (levels times buckets)',
    object: tq({ priorities: { levels: 3 }, fairness: { buckets: 32 } }),
    field: 'spec.fairness.buckets',
    says: 'priorities.levels times fairness.buckets must be at most 64',
  },
];

/** Edge cases that must be accepted: the rules above must not be stricter than documented. */
export const VALID_EDGE_CASES: readonly { what: string; object: Manifest }[] = [
  { what: 'a TaskQueue without spec', object: tq() },
  { what: 'a dotted name with an explicit queueName', object: tq({ queueName: 'emails-v2' }, 'emails.v2') },
  { what: 'a list backoff', object: backoff({ type: 'list', delays: ['1s', '30s', '5m'] }) },
  { what: 'a fixed backoff whose delay exceeds maxDelay (maxDelay is for exponential)', object: backoff({ type: 'fixed', delay: '10m' }) },
  { what: 'byte sizes as numbers and strings', object: tq({ limits: { maxBytes: 1_000_000 }, results: { maxBytes: '512Mi' } }) },
  { what: 'compound and fractional durations', object: tq({ ackWait: '1m30s', limits: { maxAge: '1.5h' }, dedupeWindow: '90m' }) },
  { what: 'the longest number of each unit', object: tq({ ackWait: '99999h', dedupeWindow: '9999999m', limits: { maxAge: '999999999999ms' } }) },
  { what: 'maxDeliveries equal to retry.maxAttempts, and no grace for unknown tasks', object: tq({ maxDeliveries: 5, unknownTaskGracePeriod: '0s' }) },
  { what: 'nats with only a secretRef', object: tq({ nats: { secretRef: { name: 'nats-creds' } } }) },
  { what: 'a fixed-size pool', object: pool({ replicas: 3, autoscaling: { enabled: false } }) },
  { what: 'a pool pinned to one size by min = max', object: scaling({ minReplicas: 4, maxReplicas: 4 }) },
  {
    what: 'schedules: 5- and 6-field cron, a preset, a zone, an interval, any JSON payload',
    object: tq({
      schedules: [
        { name: 'a', task: 'report', cron: '30 9 * * MON-FRI', timeZone: 'Europe/Berlin', payload: { day: 1 } },
        { name: 'b', task: 'report', cron: '*/10 * * * * *', timeZone: 'America/Argentina/Buenos_Aires', payload: [1, 'x'] },
        { name: 'c', task: 'report', cron: '@hourly', expires: '5m', payload: 'text' },
        { name: 'd', task: 'report', every: '2s', suspend: true },
      ],
    }),
  },
  {
    what: 'rate limits: a queue-wide one and per-task ones, default and explicit periods',
    object: tq({ rateLimits: [{ limit: 100 }, { task: 'email.send', limit: 5, period: '1m' }, { task: 'report', limit: 1, period: '100ms' }] }),
  },
  { what: 'priorities and fairness at 64 lanes, strict priority', object: tq({ priorities: { levels: 2, lowShare: 0 }, fairness: { buckets: 32 } }) },
  { what: 'env from a Secret', object: pool({ env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }) },
];
