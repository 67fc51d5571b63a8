// Task module loaded by the celeriac-worker processes of the chaos tests. Every run of a handler
// is recorded in a JetStream stream before the handler returns, so a test can count runs per task
// id (a task run twice because its worker was killed before the ack shows up as two records).
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { defineTask } from 'celeriac';

/** A run record, one per handler run that got as far as recording itself. */
export interface RunRecord {
  id: string;
  worker: string;
  attempt: number;
  at: number;
}

export const runsSubject = (queue: string) => `chaos.${queue}.runs`;
export const effectsSubject = (queue: string) => `chaos.${queue}.effects`;

const worker = process.env.CELERIAC_WORKER_NAME ?? `pid-${process.pid}`;
const queue = process.env.CELERIAC_QUEUE ?? '';
// Only worker processes set CELERIAC_QUEUE; a test importing this module for its types connects nowhere.
const nc = queue
  ? await connect({
      servers: (process.env.NATS_URL ?? '').split(',').map((s) => s.trim()),
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
      name: `chaos-recorder/${worker}`,
    })
  : undefined;
const js = nc ? jetstream(nc, { timeout: 5_000 }) : undefined;
const encoder = new TextEncoder();

export async function recordRun(id: string, attempt: number): Promise<void> {
  const run: RunRecord = { id, worker, attempt, at: Date.now() };
  await js!.publish(runsSubject(queue), encoder.encode(JSON.stringify(run)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An effect that must happen once, keyed by `id` (the effects stream deduplicates on it): for other chaos task modules. */
export async function recordEffect(id: string, body: Record<string, unknown>): Promise<void> {
  await js!.publish(effectsSubject(queue), encoder.encode(JSON.stringify({ ...body, id })), { msgID: id });
}

/** A task with no side effect but its run record: duplicates are visible, and harmless. */
export const work = defineTask('chaos.work', async (p: { n: number; sleepMs: number }, ctx) => {
  await recordRun(ctx.id, ctx.attempt);
  await sleep(p.sleepMs);
  return p.n;
});

/**
 * Where a first attempt of `chaos.charge` stops and waits (to be killed there): before its
 * effect, or after the effect and before it returns (so before the result write and the ack).
 */
export type HoldPoint = 'before-effect' | 'after-effect';

export interface ChargePayload {
  account: string;
  cents: number;
  sleepMs: number;
  hold?: HoldPoint;
}

/**
 * A task with an effect that must happen once (a payment). At-least-once delivery can run it
 * twice, so the effect is keyed by the task id, which an idempotency key makes stable across
 * duplicate enqueues and redeliveries: here a JetStream publish with `Nats-Msg-Id` = task id,
 * the same shape as a database insert with a unique key.
 */
export const charge = defineTask('chaos.charge', async (p: ChargePayload, ctx) => {
  await recordRun(ctx.id, ctx.attempt);
  const hold = ctx.attempt === 1 ? p.hold : undefined;
  if (hold === 'before-effect') await sleep(10 * 60_000);
  await sleep(p.sleepMs);
  const h = headers();
  h.set('Chaos-Worker', worker);
  await js!.publish(effectsSubject(queue), encoder.encode(JSON.stringify({ id: ctx.id, account: p.account, cents: p.cents })), { msgID: ctx.id, headers: h });
  if (hold === 'after-effect') await sleep(10 * 60_000);
  // Work after the effect (a receipt, a log line): a kill here re-runs a task whose effect is done.
  await sleep(p.sleepMs);
  return { charged: p.cents };
});
