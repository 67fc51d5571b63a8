import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { queueNames } from '../protocol.ts';
import { isLaneConsumer } from './desired-lanes.ts';
import { managerOf } from './manager.ts';

/**
 * How far ahead a pause reaches: JetStream pauses a consumer until a time, so "until resumed" is
 * a time no queue lives to see. A century stays well inside Go's time.Duration (about 292 years).
 */
const PAUSE_FOR_MS = 100 * 365 * 24 * 60 * 60_000;

/**
 * Pauses a queue: its consumer (JetStream consumer pause, nats-server 2.11+) delivers nothing
 * until resumed, so workers start no new task; running ones finish and are acked as usual, and
 * waiting or newly enqueued tasks stay in the stream. Stored in the consumer's config, so it
 * survives server and worker restarts; ensureQueue keeps it. Idempotent.
 */
export async function pauseQueue(nc: NatsConnection, queue: string): Promise<void> {
  const n = queueNames(queue);
  const jsm = await managerOf(nc);
  const until = new Date(Date.now() + PAUSE_FOR_MS);
  await jsm.consumers.pause(n.stream, n.consumer, until);
  for (const lane of await laneConsumers(jsm, n.stream)) await jsm.consumers.pause(n.stream, lane, until);
}

/** Resumes a paused queue: workers' pulls are served again at once. Idempotent. */
export async function resumeQueue(nc: NatsConnection, queue: string): Promise<void> {
  const n = queueNames(queue);
  const jsm = await managerOf(nc);
  await jsm.consumers.resume(n.stream, n.consumer);
  for (const lane of await laneConsumers(jsm, n.stream)) await jsm.consumers.resume(n.stream, lane);
}

/** A queue with priorities or fairness pauses as a whole: every lane's consumer with its `workers` one. */
async function laneConsumers(jsm: JetStreamManager, stream: string): Promise<string[]> {
  const names: string[] = [];
  for await (const { name } of jsm.consumers.list(stream)) if (isLaneConsumer(name)) names.push(name);
  return names;
}

/** Whether the queue's consumer is paused now. */
export async function isQueuePaused(nc: NatsConnection, queue: string): Promise<boolean> {
  const n = queueNames(queue);
  const jsm = await managerOf(nc);
  const info = await jsm.consumers.info(n.stream, n.consumer);
  return info.paused === true;
}
