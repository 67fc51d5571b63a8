import { DEFAULTS } from '../defaults.ts';
import type { LaneLayout } from '../lanes/layout.ts';

/** Everything that decides the JetStream objects of one queue (the TaskQueue spec, in ms). */
export interface QueueSettings {
  queue: string;
  /** Task names the stream accepts; empty = any task (one wildcard subject). */
  tasks: readonly string[];
  storage: 'file' | 'memory';
  replicas: number;
  /** Limits on waiting tasks; 0 = unlimited. Past a limit new enqueues are refused, never old tasks dropped. */
  maxAgeMs: number;
  maxMessages: number;
  maxBytes: number;
  /** At a limit: 'new' refuses new enqueues (safe default), 'old' drops the oldest waiting tasks. */
  discard: 'new' | 'old';
  ackWaitMs: number;
  /** Tasks delivered and not yet acked, across all workers (JetStream max_ack_pending). */
  maxInFlight: number;
  /**
   * The server's bound on deliveries of one task (JetStream max_deliver), whatever the workers do;
   * past it a worker dead-letters the task (reason `max-deliveries`). Must exceed every task's
   * maxAttempts plus handbacks. Default DEFAULTS.maxDeliveries.
   */
  maxDeliveries: number;
  duplicateWindowMs: number;
  deadLetter: { enabled: boolean; maxAgeMs: number; maxMessages: number; maxBytes: number };
  results: { enabled: boolean; ttlMs: number; maxBytes: number };
  /**
   * A task no live worker knows (a rolling upgrade's old pods meet a new task) is handed back for
   * this long before it is dead-lettered as `unknown-task`. Not a JetStream setting: workers get
   * it as `WorkerOptions.unknownTaskGraceMs` (the operator sets CELERIAC_UNKNOWN_TASK_GRACE_MS).
   */
  unknownTaskGraceMs: number;
  /**
   * Life of a per-key concurrency slot without a renewal (the slot bucket's max age): the bound
   * within which a dead worker's slots are free again (key-concurrency/). Default
   * DEFAULTS.concurrencySlotTtlMs.
   */
  concurrencySlotTtlMs: number;
  /**
   * Priority levels and fairness buckets (lanes/layout.ts, built with `laneLayoutOf`); unset =
   * one lane, the plain task subject and its one consumer.
   */
  lanes?: LaneLayout | undefined;
}

export function defaultQueueSettings(queue: string, overrides: Partial<QueueSettings> = {}): QueueSettings {
  return {
    queue,
    tasks: [],
    storage: 'file',
    replicas: 1,
    maxAgeMs: 0,
    maxMessages: 0,
    maxBytes: 0,
    discard: 'new',
    ackWaitMs: DEFAULTS.ackWaitMs,
    maxInFlight: 10_000,
    maxDeliveries: DEFAULTS.maxDeliveries,
    duplicateWindowMs: DEFAULTS.duplicateWindowMs,
    deadLetter: { enabled: true, maxAgeMs: DEFAULTS.deadLetterMaxAgeMs, maxMessages: 0, maxBytes: 0 },
    results: { enabled: true, ttlMs: DEFAULTS.resultTtlMs, maxBytes: 0 },
    unknownTaskGraceMs: DEFAULTS.unknownTaskGraceMs,
    concurrencySlotTtlMs: DEFAULTS.concurrencySlotTtlMs,
    ...overrides,
  };
}
