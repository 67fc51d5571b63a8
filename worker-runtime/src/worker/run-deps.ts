import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { RunnerPool } from '../isolation/pool.ts';
import type { RetryPolicy } from '../retry.ts';
import type { RecordDone } from '../results.ts';
import type { ResultRecord } from '../protocol.ts';
import type { TaskDefinition } from '../task.ts';
import type { AckBatch } from './ack-batch.ts';
import type { InFlight } from './in-flight.ts';
import type { TaskMetrics, WorkerMetrics } from './metrics.ts';
import type { PeerWatch } from './peers.ts';
import type { CancelWatch } from '../cancel/watch.ts';
import type { WorkflowSteps } from '../workflows/advance.ts';
import type { KeySlots } from '../key-concurrency/slots.ts';
import type { Batcher } from '../batch/batcher.ts';

/** A task as one worker runs it: its definition with the worker's defaults resolved. */
export interface RegisteredTask {
  def: TaskDefinition<unknown, unknown>;
  retry: RetryPolicy;
  timeoutMs: number;
  /** Past this an attempt is stopped (isolated) or abandoned (in-process); unset: timeoutMs ends it. */
  hardTimeLimitMs: number | undefined;
  /** The warm runners of an isolated task (isolation/): set by the Worker, unset in eager mode. */
  isolated?: RunnerPool | undefined;
  trackStarted: boolean;
  /** Resolved once at registration: a map lookup per task is hot-path work. */
  metrics: TaskMetrics;
  /** Set for a task defined with defineBatchTask: its attempts wait here and run in batches. */
  batcher?: Batcher | undefined;
}

/**
 * Where a run's result records go: the queue's result bucket (ResultStore), or the eager client's
 * in-memory map. `record` is the pipelined write of a succeeded task: `done` once it is stored.
 */
export interface ResultSink {
  write(record: ResultRecord): Promise<boolean>;
  /** `final`: the task's last record, which may be batched (results.ts `record`). */
  record(id: string, json: string, done: RecordDone, final?: boolean): void;
  /** Records sent and not yet stored. */
  readonly inFlight: number;
}

/** What running one message needs from its worker. */
export interface RunDeps {
  queue: string;
  tasks: ReadonlyMap<string, RegisteredTask>;
  js: JetStreamClient;
  results: ResultSink | undefined;
  inFlight: InFlight;
  acks: AckBatch;
  metrics: WorkerMetrics;
  log: Logger;
  maxPayloadBytes: number;
  /** The server's max_payload now (it can change on reconnect): the budget of a dead letter. */
  maxPayload(): number;
  /** False when the queue has dead letters off: bad tasks are then only terminated (and logged). */
  deadLetters: boolean;
  /** Aborted when the worker shuts down: handlers see it through ctx.signal. */
  shutdown: AbortSignal;
  onCompleted(): void;
  /** The queue's workers and the tasks they announce: who may run a task this worker does not know. */
  peers: Pick<PeerWatch, 'registry' | 'warmedUp' | 'isWarm'>;
  /** How long a task no live worker knows is handed back before it is dead (`unknownTaskGraceMs`). */
  unknownTaskGraceMs: number;
  /** The consumer's ack wait: a message held longer must say `working()`. */
  ackWaitMs: number;
  /** The queue's cancels (cancel/watch.ts); undefined when the queue has no cancel bucket. */
  cancels?: CancelWatch | undefined;
  /** Takes the next step of a workflow when one of its tasks has finished for good (workflows/). */
  workflows?: WorkflowSteps;
  /** The queue's per-key concurrency slots (key-concurrency/); undefined when no task of this worker has a limit. */
  keySlots?: KeySlots | undefined;
}
