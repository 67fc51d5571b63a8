import type { NatsConnection } from '@nats-io/nats-core';
import type { ConsumerInfo, StreamInfo } from '@nats-io/jetstream';
import { queueNames } from '../protocol.ts';
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
  return queueStateOf(consumer, stream, dlq);
}

/** The numbers of a queue from its consumer's, task stream's and dead-letter stream's infos. */
export function queueStateOf(consumer: ConsumerInfo, stream: StreamInfo, deadLetters: StreamInfo | undefined): QueueState {
  return {
    pending: consumer.num_pending,
    ackPending: consumer.num_ack_pending,
    deadLetters: deadLetters?.state.messages ?? 0,
    lastSeq: stream.state.last_seq,
    paused: consumer.paused === true,
  };
}
