import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '../defaults.ts';
import { ProtocolError, describeError } from '../errors.ts';
import { HEADERS } from '../protocol.ts';
import type { TaskEnvelope } from './envelope.ts';
import { deadLetter } from './failure-effects.ts';
import type { RunDeps } from './run-deps.ts';
import { decideUnknownTask } from './unknown-task.ts';

/** What earlier hand-backs wrote on a task: none on a task no worker has handed back yet. */
export interface HandoffState {
  handoffs: number;
  /** Undefined until a worker first finds the task unknown. */
  unknownSince: number | undefined;
}

/** Reads the hand-back headers; values a foreign publisher got wrong count as absent, a time in the future as now. */
export function readHandoff(h: MsgHdrs | undefined, now: number): HandoffState {
  const n = Number(h?.get(HEADERS.handoffs));
  const since = Number(h?.get(HEADERS.unknownSince));
  return {
    handoffs: Number.isSafeInteger(n) && n > 0 ? n : 0,
    unknownSince: Number.isSafeInteger(since) && since > 0 ? Math.min(since, now) : undefined,
  };
}

/**
 * A task this worker has no handler for, typically during a rolling upgrade: a new pod knows it,
 * this old one does not. It is handed back (worker/unknown-task.ts decides) or dead-lettered as
 * `unknown-task`. Holds the caller's slot until the message is settled, so a worker cannot pull
 * more than its concurrency of tasks it cannot run. Never rejects.
 */
export async function handleUnknownTask(env: TaskEnvelope, deps: RunDeps): Promise<void> {
  const { msg, task } = env;
  const firstSeen = Date.now();
  const state = readHandoff(msg.headers, firstSeen);
  if (!deps.peers.isWarm) await holdUntil(msg, deps.peers.warmedUp, deps);
  const now = Date.now();
  const peers = deps.peers.registry.knowledge(task, now);
  const decision = decideUnknownTask({
    now,
    graceMs: deps.unknownTaskGraceMs,
    unknownSince: state.unknownSince ?? firstSeen,
    handoffs: state.handoffs,
    peers,
    warmedUp: deps.peers.isWarm,
  });
  if (decision.kind === 'dead') {
    const err = new ProtocolError('unknown-task', `no task named ${JSON.stringify(task)} is registered on this worker, and ${decision.why}`);
    return deadLetter(env, 'unknown-task', describeError(err), deps);
  }
  if (decision.pauseMs > 0) await holdUntil(msg, sleep(decision.pauseMs, undefined, { ref: false }), deps);
  try {
    await republish(env, state, firstSeen, deps);
    deps.metrics.handedBack(task);
    deps.log.debug({ task, id: env.id, handoffs: state.handoffs + 1, pauseMs: decision.pauseMs, peers }, 'handed back unknown task');
  } catch (err) {
    // Not republished (stream full, NATS away): keep the task. This redelivery costs an attempt.
    deps.log.warn({ err, task, id: env.id }, 'could not hand back unknown task; redelivering later');
    msg.nak(DEFAULTS.unknownTaskHandoffMaxPauseMs);
  }
}

/**
 * Why a copy and not `nak(delay)`: the attempt number is the stream message's delivery count, so
 * a nak would cost the task an attempt per hand-back, and a task passed round an upgrade a few
 * times would reach the pod that knows it with its attempts used up. The copy is a new stream
 * message (delivery count 1) carrying the deliveries of its earlier copies in
 * `Celeriac-Prior-Attempts`, with every header kept (`Celeriac-Id`, enqueue time, metadata), so
 * its attempt number and result key are the original's. The original is acked only once the
 * copy is stored; a crash in between redelivers the original, whose copy then has the same
 * derived `Nats-Msg-Id` and is dropped as a duplicate (the dedupe window, 2 min by default,
 * outlasts the ack wait). The original's own `Nats-Msg-Id` stays in the dedupe window, so an
 * enqueue repeated with its idempotency key is still a duplicate.
 */
async function republish(env: TaskEnvelope, state: HandoffState, firstSeen: number, deps: RunDeps): Promise<void> {
  const { msg } = env;
  const h = copyTaskHeaders(env);
  h.set(HEADERS.handoffs, String(state.handoffs + 1));
  h.set(HEADERS.unknownSince, String(state.unknownSince ?? firstSeen));
  await deps.js.publish(msg.subject, msg.data, { headers: h, msgID: `handoff-${msg.info.stream}-${msg.info.streamSequence}` });
  msg.ack();
}

/**
 * The headers of a copy of a task that keeps its id and attempt number (see republish): also
 * the key-concurrency hand-back's (key-concurrency/hand-back.ts).
 */
export function copyTaskHeaders(env: TaskEnvelope): MsgHdrs {
  const h = natsHeaders();
  for (const [k, values] of env.msg.headers ?? []) {
    if (!keepOnCopy(k)) continue;
    for (const v of values) h.append(k, v);
  }
  // A task from a foreign publisher without an id is known by its first stream sequence: keep that.
  if (!h.has(HEADERS.id)) h.set(HEADERS.id, env.id);
  h.set(HEADERS.priorAttempts, String(env.attempts - 1));
  return h;
}

const OWN = new Set<string>([HEADERS.handoffs, HEADERS.unknownSince, HEADERS.priorAttempts].map((k) => k.toLowerCase()));

/**
 * `Nats-*` headers were directives to the server for the original publish (dedupe id, expected
 * sequences, schedule markers) and would make the copy's publish fail or be dropped; the
 * per-message TTL is the one that describes the task. Our own hand-back headers are rewritten.
 */
function keepOnCopy(key: string): boolean {
  const k = key.toLowerCase();
  if (OWN.has(k)) return false;
  return !k.startsWith('nats-') || k === 'nats-ttl';
}

/** Keeps the message ours (`working()` well within the ack wait) until `until` settles or the worker shuts down. */
async function holdUntil(msg: JsMsg, until: Promise<unknown>, deps: Pick<RunDeps, 'ackWaitMs' | 'shutdown'>): Promise<void> {
  const signal = deps.shutdown;
  if (signal.aborted) return;
  msg.working();
  const keepAlive = setInterval(() => msg.working(), Math.max(deps.ackWaitMs / 2, 50));
  let onAbort!: () => void;
  const aborted = new Promise<void>((r) => (onAbort = r));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([until, aborted]);
  } finally {
    clearInterval(keepAlive);
    signal.removeEventListener('abort', onAbort);
  }
}
