import type { TaskQueue, WorkerPool } from '@celeriac/crds';
import type { QueueState } from 'celeriac/topology';
import type { Column } from './output.ts';

/** One line of `queues` and `top`: the TaskQueue's status with live JetStream numbers. */
export interface QueueRow {
  namespace: string;
  name: string;
  /** The queue's name in NATS. */
  queue: string;
  ready: string;
  /** Live from JetStream; the status's (up to one refresh old) when NATS could not be read. */
  backlog: number | undefined;
  pending: number | undefined;
  inFlight: number | undefined;
  deadLetters: number | undefined;
  /** Ready pods / pods of the WorkerPools that run this queue. */
  workers: { ready: number; replicas: number };
  paused: boolean | undefined;
  /** Why the live numbers are missing (NATS unreachable, ...). */
  error?: string;
}

/** Pure: a row from the TaskQueue, the namespace's pools and what JetStream said (if it answered). */
export function queueRow(tq: TaskQueue, pools: readonly WorkerPool[], live: QueueState | undefined, error?: string): QueueRow {
  const namespace = tq.metadata.namespace ?? 'default';
  const mine = pools.filter((p) => (p.metadata.namespace ?? 'default') === namespace && p.spec.queue === tq.metadata.name);
  const status = tq.status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  // `paused` arrives with pause/resume; until then the status has no such field.
  const paused = (status as { paused?: boolean } | undefined)?.paused;
  return {
    namespace,
    name: tq.metadata.name,
    queue: tq.spec.queueName ?? tq.metadata.name,
    ready,
    backlog: live ? live.pending + live.ackPending : status?.backlog,
    pending: live ? live.pending : status?.pending,
    inFlight: live ? live.ackPending : status?.ackPending,
    deadLetters: live ? live.deadLetters : status?.deadLetters,
    workers: {
      ready: mine.reduce((n, p) => n + (p.status?.readyReplicas ?? 0), 0),
      replicas: mine.reduce((n, p) => n + (p.status?.replicas ?? 0), 0),
    },
    paused,
    ...(error ? { error } : {}),
  };
}

export const QUEUE_COLUMNS: readonly Column<QueueRow>[] = [
  { header: 'namespace', value: (r) => r.namespace },
  { header: 'name', value: (r) => r.name },
  { header: 'ready', value: (r) => r.ready },
  { header: 'backlog', value: (r) => r.backlog },
  { header: 'in-flight', value: (r) => r.inFlight },
  { header: 'dead', value: (r) => r.deadLetters },
  { header: 'workers', value: (r) => `${r.workers.ready}/${r.workers.replicas}` },
  { header: 'paused', value: (r) => (r.paused === undefined ? '' : r.paused ? 'yes' : 'no') },
];
