import type { NatsConnection } from '@nats-io/nats-core';
import type { ConsumerInfo, JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { queueNames } from '../protocol.ts';
import { decodeLaneLayout } from '../lanes/layout.ts';
import { isLaneConsumer } from './desired-lanes.ts';
import { managerOf } from './manager.ts';

/** A queue's backlog as JetStream reports it: what the status and the autoscaler read. */
export interface QueueState {
  /** Tasks not yet delivered (num_pending). */
  pending: number;
  /** Tasks delivered and not acked: running, or waiting for a retry (num_ack_pending). */
  ackPending: number;
  deadLetters: number;
  /** Stream's last sequence: grows by one per enqueue, so its deltas are the arrival rate. */
  lastSeq: number;
  /** The queue's consumer is paused (pauseQueue, spec.paused): workers get no task. */
  paused?: boolean;
}

/** Waiting and delivered tasks of a queue's lane consumers (other than its `workers` one). */
export interface LaneBacklog {
  pending: number;
  ackPending: number;
}

const NO_LANES: LaneBacklog = { pending: 0, ackPending: 0 };

/**
 * Backlog numbers from the JetStream API. The consumer's leader answers `consumers.info`, so the
 * numbers stay right on a clustered NATS (a follower's monitoring endpoint can be stale). Without
 * `deadLetters` (the autoscaler's poll, every second per queue) it skips the dead-letter stream:
 * two requests instead of three, and `deadLetters` reads 0.
 */
export async function readQueueState(nc: NatsConnection, queue: string, opts: { deadLetters?: boolean } = {}): Promise<QueueState> {
  const jsm = await managerOf(nc);
  const names = queueNames(queue);
  const [consumer, stream, dlq] = await Promise.all([
    jsm.consumers.info(names.stream, names.consumer),
    jsm.streams.info(names.stream),
    opts.deadLetters === false ? undefined : jsm.streams.info(names.deadLetterStream).catch(() => undefined),
  ]);
  return queueStateOf(consumer, stream, dlq, await laneBacklogOf(jsm, stream));
}

/**
 * A queue with lanes has a consumer per lane: its backlog is theirs summed (one listing more).
 * Queues without lanes (the task stream's metadata says so) pay nothing.
 */
export async function laneBacklogOf(jsm: JetStreamManager, stream: StreamInfo): Promise<LaneBacklog> {
  if (!decodeLaneLayout(stream.config.metadata)) return NO_LANES;
  const sum = { pending: 0, ackPending: 0 };
  for await (const c of jsm.consumers.list(stream.config.name)) {
    if (!isLaneConsumer(c.name)) continue;
    sum.pending += c.num_pending;
    sum.ackPending += c.num_ack_pending;
  }
  return sum;
}

/** The numbers of a queue from its consumer's, task stream's and dead-letter stream's infos. */
export function queueStateOf(consumer: ConsumerInfo, stream: StreamInfo, deadLetters: StreamInfo | undefined, lanes: LaneBacklog = NO_LANES): QueueState {
  return {
    pending: consumer.num_pending + lanes.pending,
    ackPending: consumer.num_ack_pending + lanes.ackPending,
    deadLetters: deadLetters?.state.messages ?? 0,
    lastSeq: stream.state.last_seq,
    paused: consumer.paused === true,
  };
}
