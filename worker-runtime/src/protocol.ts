/**
 * The wire protocol: the one module that producers, workers, the operator and docs/protocol.md
 * agree on. Anything here is a public contract: any NATS client in any language can enqueue a
 * task by publishing one message as described below.
 *
 * - Task message: subject `celeriac.<queue>.tasks.<task>`, body = the payload as JSON (UTF-8),
 *   optional headers `Celeriac-Id`, `Nats-Msg-Id` (idempotency), `Celeriac-Enqueued-At`, and any
 *   `Celeriac-Meta-*` metadata, and `Celeriac-Expires-At` (not started by then, it never runs).
 * - Delayed task: the same headers and body published to `celeriac.<queue>.sched.<id>` with
 *   `Nats-Schedule: @at <RFC 3339>` and `Nats-Schedule-Target: <its task subject>`; the server
 *   publishes the task message at that time (docs/protocol.md "Delayed tasks").
 * - Results: KV bucket `CELERIAC_<QUEUE>_RESULTS`, key = task id, value = ResultRecord JSON.
 * - Dead letters: subject `celeriac.<queue>.dead.<task>`, original body and headers plus
 *   `Celeriac-Dead-*` headers.
 * - Hand-backs: a worker that does not know a task republishes it with `Celeriac-Handoffs`,
 *   `Celeriac-Unknown-Since` and `Celeriac-Prior-Attempts` (worker/handoff.ts).
 */

/**
 * Queue names are DNS labels (they come from Kubernetes object names) and become subject tokens
 * and stream names. The CRDs validate with these same rules (crds/src/names.ts imports them).
 */
export const QUEUE_NAME_RULE = { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 } as const;
/** Task names become subject tokens: dots separate tokens, no wildcards or whitespace. */
export const TASK_NAME_RULE = { pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', maxLength: 200 } as const;
const QUEUE_NAME = new RegExp(QUEUE_NAME_RULE.pattern);
const TASK_NAME = new RegExp(TASK_NAME_RULE.pattern);
/** KV keys allow this alphabet; ids are also used as keys. */
const TASK_ID = /^[-/_=.a-zA-Z0-9]{1,200}$/;

export const SUBJECT_ROOT = 'celeriac';
export const CONSUMER_NAME = 'workers';

export const HEADERS = {
  id: 'Celeriac-Id',
  enqueuedAt: 'Celeriac-Enqueued-At',
  metaPrefix: 'Celeriac-Meta-',
  msgId: 'Nats-Msg-Id',
  deadReason: 'Celeriac-Dead-Reason',
  deadError: 'Celeriac-Dead-Error',
  deadErrorType: 'Celeriac-Dead-Error-Type',
  deadStack: 'Celeriac-Dead-Stack',
  deadAttempts: 'Celeriac-Dead-Attempts',
  deadSubject: 'Celeriac-Dead-Subject',
  deadAt: 'Celeriac-Dead-At',
  deadStreamSeq: 'Celeriac-Dead-Stream-Seq',
  /** What was cut to fit the server's max_payload, e.g. `stack,error,body` (DEAD_TRUNCATIONS). */
  deadTruncated: 'Celeriac-Dead-Truncated',
  /** Size of the original body when the dead letter had to go without it. */
  deadBodyBytes: 'Celeriac-Dead-Body-Bytes',
  /** Times a worker that did not know the task handed it back (worker/handoff.ts). */
  handoffs: 'Celeriac-Handoffs',
  /** When a worker first found the task unknown, ms since the epoch: the grace period runs from here. */
  unknownSince: 'Celeriac-Unknown-Since',
  /** Deliveries of earlier copies of a handed-back task: counted into its attempt number. */
  priorAttempts: 'Celeriac-Prior-Attempts',
  /** A task not started by then never runs; its record says `expired` (ms since the epoch). */
  expiresAt: 'Celeriac-Expires-At',
  /** When a delayed task was due (ms since the epoch): set on the schedule, copied to the task it fires. */
  runAt: 'Celeriac-Run-At',
  /** Server-side schedule (nats-server 2.12+): `@at <RFC 3339>` for a delayed task. */
  schedule: 'Nats-Schedule',
  /** The subject a schedule fires into (a task subject of the same stream). */
  scheduleTarget: 'Nats-Schedule-Target',
  /** On a periodic schedule message and so on each tick it fires: the schedule's key, e.g. `periodic.nightly`. */
  scheduleName: 'Celeriac-Schedule',
  /** Stamped by the server on each fired tick: the fire time after this one (RFC 3339). */
  scheduleNext: 'Nats-Schedule-Next',
  /** The workflow a task belongs to (workflows/): its plan and state live in the queue's workflow bucket. */
  workflowId: 'Celeriac-Workflow-Id',
  /** Where in its workflow the task is: `<stage>` for a single task, `<stage>.<member>` for a group member. */
  workflowStep: 'Celeriac-Workflow-Step',
  /** The concurrency key of a task whose definition has a per-key limit (key-concurrency/); overrides the key function. */
  concurrencyKey: 'Celeriac-Concurrency-Key',
  /** Times a task was handed back because its concurrency key was full: its next hand-back waits longer. */
  keyWaits: 'Celeriac-Key-Waits',
  /** The fairness key a task was enqueued with (lanes): informational, its lane is in the subject. */
  fairnessKey: 'Celeriac-Fairness-Key',
} as const;

/**
 * Task id of one tick of a periodic schedule: `<schedule key>.<ms of Nats-Schedule-Next>`. Every
 * tick copies the schedule message's headers, so only the server's per-tick stamp tells ticks
 * apart; the same tick redelivered keeps its id. Undefined when the stamp is missing or unreadable.
 */
export function periodicTickId(scheduleKey: string, next: string | undefined): string | undefined {
  const ms = next === undefined ? NaN : Date.parse(next);
  if (!Number.isFinite(ms)) return undefined;
  const id = `${scheduleKey}.${ms}`;
  return TASK_ID.test(id) ? id : undefined;
}

/**
 * Parts of a dead letter that may be cut to fit the server's max_payload, in the order they are
 * listed: `stack` and `error` (trimmed or left out), `body` (left out; it cannot be replayed),
 * `headers` (the original's metadata headers left out).
 */
export const DEAD_TRUNCATIONS = ['stack', 'error', 'body', 'headers'] as const;
export type DeadTruncation = (typeof DEAD_TRUNCATIONS)[number];

export function isValidQueueName(name: string): boolean {
  return name.length <= QUEUE_NAME_RULE.maxLength && QUEUE_NAME.test(name);
}
export function isValidTaskName(name: string): boolean {
  return name.length <= TASK_NAME_RULE.maxLength && TASK_NAME.test(name);
}
export function isValidTaskId(id: string): boolean {
  return TASK_ID.test(id);
}

export function assertQueueName(name: string): void {
  if (!isValidQueueName(name)) {
    throw new TypeError(`invalid queue name ${JSON.stringify(name)}: use lowercase letters, digits and '-', at most 63`);
  }
}
export function assertTaskName(name: string): void {
  if (!isValidTaskName(name)) {
    throw new TypeError(`invalid task name ${JSON.stringify(name)}: use letters, digits, '_', '-' and '.' separators`);
  }
}

/** The JetStream names of one queue. */
export interface QueueNames {
  queue: string;
  stream: string;
  /** Subjects of the task stream (one wildcard). */
  taskSubjects: string;
  consumer: string;
  deadLetterStream: string;
  deadLetterSubjects: string;
  /**
   * Subjects of the task stream that hold server-side schedules (delayed tasks, periodic
   * schedules). The workers' consumer never sees them: the server fires each into a task subject.
   */
  scheduleSubjects: string;
  resultBucket: string;
  /** KV bucket of workflow plans and states (workflows/): keys are derived from the workflow id. */
  workflowBucket: string;
  /** Subjects of a queue's lanes other than its default one (priorities, fairness): `laneSubject`. */
  laneSubjects: string;
}

const streamToken = (queue: string) => queue.toUpperCase().replaceAll('-', '_');

export function queueNames(queue: string): QueueNames {
  assertQueueName(queue);
  const s = streamToken(queue);
  return {
    queue,
    stream: `CELERIAC_${s}`,
    taskSubjects: `${SUBJECT_ROOT}.${queue}.tasks.>`,
    consumer: CONSUMER_NAME,
    deadLetterStream: `CELERIAC_${s}_DLQ`,
    deadLetterSubjects: `${SUBJECT_ROOT}.${queue}.dead.>`,
    scheduleSubjects: `${SUBJECT_ROOT}.${queue}.sched.>`,
    resultBucket: `CELERIAC_${s}_RESULTS`,
    workflowBucket: `CELERIAC_${s}_WORKFLOWS`,
    laneSubjects: `${SUBJECT_ROOT}.${queue}.lanes.>`,
  };
}

export function taskSubject(queue: string, task: string): string {
  return `${SUBJECT_ROOT}.${queue}.tasks.${task}`;
}
/** The subject of one server-side schedule of a queue; `key` is one or more subject tokens. */
export function scheduleSubject(queue: string, key: string): string {
  return `${SUBJECT_ROOT}.${queue}.sched.${key}`;
}
export function deadLetterSubject(queue: string, task: string): string {
  return `${SUBJECT_ROOT}.${queue}.dead.${task}`;
}

/**
 * The subject of a task in lane (`level`, `bucket`) of a queue with priorities or fairness
 * (docs/protocol.md "Lanes"). Lane 0/0 is the plain task subject, so tasks without a priority or
 * fairness key keep the one wire format every queue has.
 */
export function laneSubject(queue: string, task: string, level: number, bucket: number): string {
  return level === 0 && bucket === 0 ? taskSubject(queue, task) : `${SUBJECT_ROOT}.${queue}.lanes.${level}.${bucket}.${task}`;
}
/**
 * Bounds of a queue's lanes: each lane is a durable consumer every worker pulls from, so lanes
 * cost consumers and pull requests per worker; 64 keeps that a few dozen times what a queue's
 * single consumer costs. The CRD validates the same bounds (crds/src/lanes.ts).
 */
export const LANE_LIMITS = { maxLevels: 10, maxBuckets: 64, maxLanes: 64, maxLowSharePercent: 50 } as const;

/** The durable consumer of one lane: lane 0/0 is the queue's one consumer, `workers`. */
export function laneConsumerName(level: number, bucket: number): string {
  return level === 0 && bucket === 0 ? CONSUMER_NAME : `lane-${level}-${bucket}`;
}

/**
 * The fairness bucket of a key: FNV-1a (32 bit) of its UTF-8 bytes, modulo the queue's bucket
 * count. Part of the wire protocol: a producer in another language computes the same bucket.
 */
export function fairnessBucket(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(key)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h % buckets;
}

/** The task name from a task or lane subject, or undefined when the subject is not one of the queue's. */
export function taskNameFromSubject(queue: string, subject: string): string | undefined {
  const prefix = `${SUBJECT_ROOT}.${queue}.tasks.`;
  if (!subject.startsWith(prefix)) return laneTaskName(queue, subject);
  const name = subject.slice(prefix.length);
  return name.length > 0 ? name : undefined;
}

/** `celeriac.<queue>.lanes.<level>.<bucket>.<task>` -> `<task>`. */
function laneTaskName(queue: string, subject: string): string | undefined {
  const prefix = `${SUBJECT_ROOT}.${queue}.lanes.`;
  if (!subject.startsWith(prefix)) return undefined;
  const level = subject.indexOf('.', prefix.length);
  const bucket = level < 0 ? -1 : subject.indexOf('.', level + 1);
  const name = bucket < 0 ? '' : subject.slice(bucket + 1);
  return name.length > 0 ? name : undefined;
}

/**
 * States of a task's result record. `pending` is implicit: no record yet. `scheduled`: enqueued
 * with a delay or run time, not yet due. `expired`: not started before its expiry, never ran.
 * `cancelled`: cancelled before it finished.
 */
export type TaskState = 'pending' | 'scheduled' | 'started' | 'retrying' | 'succeeded' | 'failed' | 'dead' | 'expired' | 'cancelled';
/**
 * The states of a task that ended without a result: `failed` (its handler ran and failed), `dead`
 * (it never could run), `expired` (not started in time) or `cancelled`.
 */
export type FailedState = Extract<TaskState, 'failed' | 'dead' | 'expired' | 'cancelled'>;
export const FAILED_STATES: ReadonlySet<TaskState> = new Set<FailedState>(['failed', 'dead', 'expired', 'cancelled']);
export const FINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['succeeded', ...FAILED_STATES]);

/** The value stored in the result bucket under the task id. JSON, documented in docs/protocol.md. */
export interface ResultRecord {
  id: string;
  task: string;
  state: TaskState;
  /** Attempts made so far (1 on the first run). */
  attempts: number;
  /** Milliseconds since the epoch. */
  enqueuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt: number;
  /** The handler's return value, for `succeeded`. */
  result?: unknown;
  error?: { message: string; type?: string; stack?: string };
  /** For `retrying`: when the next attempt is due. */
  retryAt?: number;
  /** For `scheduled`: when the task becomes visible to workers (ms since the epoch). */
  runAt?: number;
  /** When the task expires if not started by then (ms since the epoch). */
  expiresAt?: number;
  /** The last value the handler reported with `ctx.progress()`. */
  progress?: unknown;
  /** For `failed` and `dead` on a queue with dead letters: where the copy went and what it lost. */
  deadLetter?: {
    /** Sequence in the dead-letter stream; absent when no copy could be written. */
    seq?: number;
    /** Parts left out to fit the server's max_payload (the `Celeriac-Dead-Truncated` header). */
    truncated?: DeadTruncation[];
    /** Why no copy was written: the task ended without one. */
    error?: string;
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  // JSON.stringify(undefined) is undefined: send `null` so every body is valid JSON.
  return encoder.encode(text ?? 'null');
}

export type DecodeResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Decodes a task body; an empty body is `undefined` payload (tasks without arguments). */
export function decodeJson(data: Uint8Array): DecodeResult {
  if (data.length === 0) return { ok: true, value: undefined };
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: `body is not JSON: ${(e as Error).message}` };
  }
}
