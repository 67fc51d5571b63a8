import type { NatsConnection } from '@nats-io/nats-core';
import { readQueueState, type QueueState } from 'celeriac/topology';

/** What the autoscaler reads of a queue each poll. */
export type BacklogState = Pick<QueueState, 'pending' | 'ackPending' | 'lastSeq' | 'paused'>;

/**
 * The autoscaler's poll of one queue: two JetStream API requests, consumer info (pending and
 * in-flight tasks, paused) and stream info (last sequence, for the arrival rate), on a manager
 * that skips the account-info check; the dead-letter stream, which the autoscaler never looks at,
 * is left out. At 1,000 queues polled each second that is half the four requests a status read
 * used to make. On a clustered NATS each request is answered by the leader of the consumer or
 * stream, so the numbers are the leader's (what the chaos test showed matters). A queue with
 * priorities or fairness (lanes) adds one consumer listing and counts every lane's backlog.
 */
export function readBacklog(nc: NatsConnection, queue: string): Promise<BacklogState> {
  return readQueueState(nc, queue, { deadLetters: false });
}
