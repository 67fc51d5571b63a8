import type { BenchPayload } from '../payload.ts';

export const SYSTEM_NAMES = ['celeriac', 'raw-jetstream', 'bullmq'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/**
 * Configurations measured beside each system's base one, in the scenarios that consume; their
 * JSON lines carry a `variant` field (`system` stays the system's name). celeriac/defaults is
 * the Worker as a user gets it (results on, heartbeats on, default prefetch); raw-jetstream/
 * batched-acks is what an expert writes by hand (acks of a loop turn in one socket write);
 * bullmq/keep-completed is BullMQ's default (completed jobs and return values kept).
 */
export const VARIANTS = {
  celeriac: ['defaults'],
  'raw-jetstream': ['batched-acks'],
  bullmq: ['keep-completed'],
} as const satisfies Record<SystemName, readonly string[]>;
export type Variant = (typeof VARIANTS)[SystemName][number];

/** One system in one configuration: the unit the bench measures and reports. */
export interface Lane {
  system: SystemName;
  variant?: Variant | undefined;
}

/** `celeriac`, `celeriac/defaults`: how a lane is named in logs, tables and charts. */
export const laneLabel = (l: Lane): string => (l.variant ? `${l.system}/${l.variant}` : l.system);

/** Where the servers of one bench run listen. */
export interface Endpoints {
  natsUrl: string;
  redis?: { host: string; port: number };
}

export type Handler = (p: BenchPayload) => void | Promise<void>;

export interface Producer {
  /** Resolves once the system has stored the task (JetStream publish ack, Redis reply). */
  enqueue(p: BenchPayload): Promise<void>;
  /** The system's bulk path for many tasks at once. */
  enqueueBulk(ps: readonly BenchPayload[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  concurrency: number;
  /** Messages pulled ahead (JetStream systems; BullMQ fetches per free slot and ignores it). */
  prefetch: number;
  handler: Handler;
}

export interface Consumer {
  /** Tasks finished and acknowledged so far. */
  completed(): number;
  close(): Promise<void>;
}

/** One queueing system under test, behind the same small interface as the others. */
export interface System {
  readonly name: SystemName;
  readonly variant?: Variant | undefined;
  /** Creates a fresh, empty queue (file-backed or AOF-persisted storage). */
  createQueue(queue: string): Promise<void>;
  /** Tasks stored and not yet acknowledged (waiting + delivered): 0 once a queue is fully drained. */
  outstanding(queue: string): Promise<number>;
  deleteQueue(queue: string): Promise<void>;
  producer(queue: string): Promise<Producer>;
  consume(queue: string, opts: ConsumeOptions): Promise<Consumer>;
  close(): Promise<void>;
}
