import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { HEADERS, decodeJson, isValidTaskId, taskNameFromSubject, type ResultRecord } from '../protocol.ts';
import { PermanentError, PayloadValidationError, ProtocolError, describeError, type DeadReason } from '../errors.ts';
import type { RetryPolicy } from '../retry.ts';
import type { ResultStore } from '../results.ts';
import { validatePayload } from '../schema.ts';
import type { TaskContext, TaskDefinition } from '../task.ts';
import { publishDeadLetter } from './dead-letter.ts';
import type { InFlight, InFlightTask } from './in-flight.ts';
import type { WorkerMetrics } from './metrics.ts';
import { deadState, decideFailure } from './outcome.ts';

export interface RegisteredTask {
  def: TaskDefinition<unknown, unknown>;
  retry: RetryPolicy;
  timeoutMs: number;
  trackStarted: boolean;
}

/** What running one message needs from its worker. */
export interface RunDeps {
  queue: string;
  tasks: ReadonlyMap<string, RegisteredTask>;
  js: JetStreamClient;
  results: ResultStore | undefined;
  inFlight: InFlight;
  metrics: WorkerMetrics;
  log: Logger;
  maxPayloadBytes: number;
  /** False when the queue has dead letters off: bad tasks are then only terminated (and logged). */
  deadLetters: boolean;
  defaultRetry: RetryPolicy;
  /** Aborted when the worker shuts down: handlers see it through ctx.signal. */
  shutdown: AbortSignal;
  onCompleted(): void;
}

interface Envelope {
  id: string;
  enqueuedAt: number | undefined;
  metadata: Record<string, string>;
}

/** Parses what the message says about itself; the headers are optional (any client may publish). */
function envelope(msg: JsMsg): Envelope {
  const h = msg.headers;
  const id = h?.get(HEADERS.id) || `seq-${msg.info.streamSequence}`;
  const enqueuedAt = Number(h?.get(HEADERS.enqueuedAt)) || undefined;
  const metadata: Record<string, string> = {};
  if (h) {
    for (const [k, v] of h) {
      if (k.startsWith(HEADERS.metaPrefix) && v[0] !== undefined) metadata[k.slice(HEADERS.metaPrefix.length).toLowerCase()] = v[0];
    }
  }
  return { id, enqueuedAt, metadata };
}

/**
 * Runs one delivered task message to its end: ack on success, nak(delay) for a retry, or copy to
 * the dead-letter stream then term. Never throws: whatever the message or the handler does, the
 * worker keeps running.
 */
export async function runTask(msg: JsMsg, deps: RunDeps): Promise<void> {
  const attempt = msg.info.deliveryCount;
  const name = taskNameFromSubject(deps.queue, msg.subject) ?? '';
  // Headers are decoded on first use: nats.js's decode was ~15 µs of a no-op task's ~90 µs in the
  // bench, and a success with results off reads them only if the handler asks for ctx.id or metadata.
  let env: Envelope | undefined;
  const read = () => (env ??= envelope(msg));
  const base = {
    task: name,
    attempts: attempt,
    get id() {
      return read().id;
    },
    get enqueuedAt() {
      return read().enqueuedAt;
    },
  };
  const reg = deps.tasks.get(name);
  try {
    if (!reg) throw new ProtocolError('unknown-task', `no task named ${JSON.stringify(name)} is registered on this worker`);
    if (msg.data.length > deps.maxPayloadBytes) {
      throw new ProtocolError('too-large', `payload is ${msg.data.length} bytes, the limit is ${deps.maxPayloadBytes}`);
    }
    const decoded = decodeJson(msg.data);
    if (!decoded.ok) throw new ProtocolError('malformed', decoded.reason);
    if (attempt > reg.retry.maxAttempts) {
      // The previous attempt never reported back (its worker died): out of attempts all the same.
      throw new ProtocolError('max-attempts', `attempt ${attempt} exceeds maxAttempts ${reg.retry.maxAttempts}; an earlier attempt was lost`);
    }
    let payload = decoded.value;
    if (reg.def.options.schema) {
      const v = await validatePayload(reg.def.options.schema, payload);
      if (!v.ok) throw new PayloadValidationError(name, v.issues);
      payload = v.value;
    }
    await execute(msg, reg, payload, base, () => read().metadata, deps);
  } catch (err) {
    // Everything that is not a handler failure lands here: bad messages go straight to the dead letters.
    const reason: DeadReason = err instanceof ProtocolError ? err.reason : err instanceof PayloadValidationError ? 'invalid-payload' : 'permanent-error';
    await deadLetter(msg, name, reason, describeError(err), base, deps);
  }
}

/** Shutdown signals that already have the listener aborting their worker's running tasks. */
const watchedShutdowns = new WeakSet<AbortSignal>();

/**
 * One shutdown listener per worker instead of one added and removed per task: EventTarget
 * bookkeeping was ~4 µs of a no-op task's ~80 µs in the bench profile. Aborts every running task.
 */
function abortRunningOnShutdown(deps: RunDeps): void {
  if (watchedShutdowns.has(deps.shutdown)) return;
  watchedShutdowns.add(deps.shutdown);
  deps.shutdown.addEventListener(
    'abort',
    () => {
      for (const t of deps.inFlight.tasks) t.controller.abort(new Error('worker shutting down'));
    },
    { once: true },
  );
}

async function execute(
  msg: JsMsg,
  reg: RegisteredTask,
  payload: unknown,
  base: Pick<ResultRecord, 'id' | 'task' | 'attempts' | 'enqueuedAt'>,
  metadata: () => Record<string, string>,
  deps: RunDeps,
): Promise<void> {
  const m = deps.metrics.task(base.task);
  const startedAt = Date.now();
  const controller = new AbortController();
  abortRunningOnShutdown(deps);
  let expire: (e: Error) => void = () => undefined;
  const timedOut = new Promise<never>((_, reject) => (expire = reject));
  const entry: InFlightTask = {
    msg,
    task: base.task,
    startedAt,
    lastWorking: startedAt,
    timeoutAt: startedAt + reg.timeoutMs,
    controller,
    settled: false,
    expire: (e) => {
      controller.abort(e);
      expire(e);
    },
  };
  deps.inFlight.tasks.add(entry);
  m.started.inc();
  deps.metrics.inFlight.inc();
  try {
    if (reg.trackStarted && deps.results) await deps.results.write({ ...base, state: 'started', startedAt, updatedAt: startedAt });
    let log: Logger | undefined;
    const ctx: TaskContext = {
      get id() {
        return base.id;
      },
      name: base.task,
      attempt: base.attempts,
      maxAttempts: reg.retry.maxAttempts,
      get metadata() {
        return metadata();
      },
      signal: controller.signal,
      // Made on first use: a pino child per task was ~3 µs of a no-op task's ~80 µs in the bench profile.
      get log() {
        return (log ??= deps.log.child({ task: base.task, id: base.id }));
      },
      progress: async (value) => {
        if (deps.results) await deps.results.write({ ...base, state: 'started', startedAt, updatedAt: Date.now(), progress: value });
      },
      working: () => {
        entry.lastWorking = Date.now();
        msg.working();
      },
    };
    let result: unknown;
    try {
      const ran = Promise.resolve().then(() => reg.def.handler(payload, ctx));
      result = await Promise.race([ran, timedOut]);
      // Checked before acking: a result that cannot be stored would fail on every retry too.
      if (deps.results && result !== undefined) JSON.stringify(result);
    } catch (err) {
      if (entry.settled) return; // handed back during shutdown
      m.failed.inc();
      m.errDuration.observe((Date.now() - startedAt) / 1000);
      return await handleFailure(msg, err, reg, base, startedAt, deps);
    }
    if (entry.settled) return;
    const finishedAt = Date.now();
    m.okDuration.observe((finishedAt - startedAt) / 1000);
    if (deps.results) {
      await deps.results.write({ ...base, state: 'succeeded', startedAt, finishedAt, updatedAt: finishedAt, result });
    }
    entry.settled = true;
    msg.ack();
    m.succeeded.inc();
    deps.onCompleted();
  } catch (err) {
    // The result backend failed: leave the task for redelivery rather than lose its result.
    if (!entry.settled) {
      entry.settled = true;
      deps.log.error({ err, task: base.task, id: base.id }, 'could not record result; task will be redelivered');
      msg.nak(1000);
    }
  } finally {
    entry.settled = true;
    deps.inFlight.tasks.delete(entry);
    deps.metrics.inFlight.dec();
    // A handler that rejects after its timeout must not become an unhandled rejection.
    timedOut.catch(() => undefined);
  }
}

async function handleFailure(
  msg: JsMsg,
  err: unknown,
  reg: RegisteredTask,
  base: Pick<ResultRecord, 'id' | 'task' | 'attempts' | 'enqueuedAt'>,
  startedAt: number,
  deps: RunDeps,
): Promise<void> {
  const unstorable = err instanceof TypeError && /circular|BigInt/i.test(err.message);
  const outcome = decideFailure(unstorable ? new PermanentError(`result is not JSON-serialisable: ${err.message}`) : err, base.attempts, reg.retry);
  if (outcome.kind === 'dead') {
    await deadLetter(msg, base.task, outcome.reason, outcome.error, { ...base, startedAt }, deps);
    return;
  }
  const now = Date.now();
  deps.log.warn({ task: base.task, id: base.id, attempt: base.attempts, delayMs: outcome.delayMs, error: outcome.error.message }, 'task failed; retrying');
  if (deps.results) {
    await deps.results.write({ ...base, state: 'retrying', startedAt, updatedAt: now, error: outcome.error, retryAt: now + outcome.delayMs });
  }
  // A bare nak() redelivers at once and ignores backoff: the delay must be given explicitly.
  msg.nak(outcome.delayMs);
  deps.metrics.task(base.task).retried.inc();
}

/** Dead-letters a message, records its final state, then terms it. If the copy fails, the task stays queued. */
async function deadLetter(
  msg: JsMsg,
  task: string,
  reason: DeadReason,
  error: ReturnType<typeof describeError>,
  base: Pick<ResultRecord, 'id' | 'task' | 'attempts' | 'enqueuedAt' | 'startedAt'>,
  deps: RunDeps,
): Promise<void> {
  try {
    if (deps.deadLetters) await publishDeadLetter(deps.js, deps.queue, msg, { reason, error, attempts: base.attempts });
    // Ids from foreign publishers may not be valid KV keys; such results are simply not recorded.
    if (deps.results && isValidTaskId(base.id)) {
      const now = Date.now();
      await deps.results.write({ ...base, state: deadState(reason), finishedAt: now, updatedAt: now, error }).catch((err: unknown) =>
        deps.log.warn({ err, id: base.id }, 'could not record dead state'),
      );
    }
    msg.term(`${reason}: ${error.message}`.slice(0, 200));
    deps.metrics.deadLettered(task || 'unknown', reason);
    deps.log.warn({ task, id: base.id, reason, error: error.message, attempts: base.attempts }, 'task dead-lettered');
  } catch (err) {
    deps.log.error({ err, task, id: base.id }, 'could not dead-letter task; leaving it queued');
    msg.nak(5000);
  }
}

