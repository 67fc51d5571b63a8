import type { NatsConnection } from '@nats-io/nats-core';
import { isQueuePaused, pauseQueue, resumeQueue } from 'celeriac/topology';

/** What applying spec.paused did: whether this reconcile paused or resumed the queue. */
export type PauseChange = 'paused' | 'resumed' | undefined;

/**
 * Makes the queue's consumer paused or running as spec.paused says (JetStream consumer pause).
 * Unset leaves it as it is, so a pause made with the CLI or `pauseQueue` holds on a queue whose
 * spec does not decide; true or false is enforced on every reconcile. Runs after ensureQueue,
 * whose consumer updates keep a pause. The status reads the state back from the consumer.
 * `paused`, when the caller has just read the consumer (ensureQueue's state), saves asking again.
 */
export async function syncPause(nc: NatsConnection, queue: string, want: boolean | undefined, paused?: boolean): Promise<PauseChange> {
  if (want === undefined || (paused ?? (await isQueuePaused(nc, queue))) === want) return undefined;
  if (want) {
    await pauseQueue(nc, queue);
    return 'paused';
  }
  await resumeQueue(nc, queue);
  return 'resumed';
}
