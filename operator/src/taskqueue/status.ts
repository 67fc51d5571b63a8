import { queueNames } from 'celeriac/protocol';
import type { TaskQueue, TaskQueueStatus } from '@celeriac/crds';
import type { InvalidNatsUrl } from '../nats/errors.ts';
import { setCondition, type Condition, type ConditionUpdate } from '../controller/index.ts';
import type { QueueState, SyncReport } from 'celeriac/topology';

/** What one reconcile found, as input to the status. */
export type Observation =
  | { kind: 'synced'; report: SyncReport; state: QueueState }
  | { kind: 'nats-unavailable'; message: string }
  | { kind: 'invalid-nats-url'; error: InvalidNatsUrl }
  | { kind: 'sync-failed'; message: string }
  | { kind: 'invalid-spec'; field: string; message: string };

/** Pure: the status a TaskQueue should show after an observation, with conditions per convention. */
export function desiredTaskQueueStatus(tq: TaskQueue, queue: string, obs: Observation, now: Date): TaskQueueStatus {
  const generation = tq.metadata.generation;
  let conditions = (tq.status?.conditions ?? []) as Condition[];
  const set = (u: ConditionUpdate) => (conditions = setCondition(conditions, u, generation, now));
  const prev = tq.status ?? {};
  const base = { observedGeneration: generation ?? 0, queueName: queue, stream: queueNames(queue).stream };

  switch (obs.kind) {
    case 'synced': {
      const { report, state } = obs;
      set({ type: 'StreamReady', status: 'True', reason: 'StreamSynced', message: `stream ${base.stream} matches the spec` });
      if (report.unchangeable.length > 0) {
        const fields = report.unchangeable.map((c) => `${c.object}.${c.field} (want ${JSON.stringify(c.want)}, have ${JSON.stringify(c.have)})`);
        set({
          type: 'SpecApplied',
          status: 'False',
          reason: 'FieldsNotUpdatable',
          message: `JetStream cannot change these in place; delete and recreate the queue to apply them: ${fields.join('; ')}`,
        });
      } else {
        set({ type: 'SpecApplied', status: 'True', reason: 'Applied', message: 'every spec field is in effect' });
      }
      set({ type: 'Ready', status: 'True', reason: 'QueueReady', message: 'stream, consumer, dead letters and results are in place' });
      return {
        ...base,
        conditions,
        backlog: state.pending + state.ackPending,
        pending: state.pending,
        ackPending: state.ackPending,
        deadLetters: state.deadLetters,
        paused: state.paused ?? false,
      };
    }
    case 'nats-unavailable':
      set({ type: 'StreamReady', status: 'Unknown', reason: 'NatsUnavailable', message: obs.message });
      set({ type: 'Ready', status: 'False', reason: 'NatsUnavailable', message: obs.message });
      break;
    case 'invalid-nats-url':
      // The message names the URL's source and the problem, never the URL (it may hold a password).
      set({ type: 'StreamReady', status: 'Unknown', reason: 'InvalidNatsUrl', message: obs.error.message });
      set({ type: 'Ready', status: 'False', reason: 'InvalidNatsUrl', message: obs.error.message });
      break;
    case 'sync-failed':
      set({ type: 'StreamReady', status: 'False', reason: 'SyncFailed', message: obs.message });
      set({ type: 'Ready', status: 'False', reason: 'SyncFailed', message: obs.message });
      break;
    case 'invalid-spec':
      set({ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: `${obs.field}: ${obs.message}` });
      break;
  }
  // Keep the last known numbers: an outage does not make the backlog zero.
  return {
    ...base,
    conditions,
    ...(prev.backlog !== undefined ? { backlog: prev.backlog } : {}),
    ...(prev.pending !== undefined ? { pending: prev.pending } : {}),
    ...(prev.ackPending !== undefined ? { ackPending: prev.ackPending } : {}),
    ...(prev.deadLetters !== undefined ? { deadLetters: prev.deadLetters } : {}),
    ...(prev.paused !== undefined ? { paused: prev.paused } : {}),
  };
}
