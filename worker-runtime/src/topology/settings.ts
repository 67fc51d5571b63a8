import { DEFAULTS } from '../defaults.ts';

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
  duplicateWindowMs: number;
  deadLetter: { enabled: boolean; maxAgeMs: number; maxMessages: number; maxBytes: number };
  results: { enabled: boolean; ttlMs: number; maxBytes: number };
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
    duplicateWindowMs: DEFAULTS.duplicateWindowMs,
    deadLetter: { enabled: true, maxAgeMs: DEFAULTS.deadLetterMaxAgeMs, maxMessages: 0, maxBytes: 0 },
    results: { enabled: true, ttlMs: DEFAULTS.resultTtlMs, maxBytes: 0 },
    ...overrides,
  };
}
