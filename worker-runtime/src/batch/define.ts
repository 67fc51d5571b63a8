import type { Logger } from 'pino';
import { defineTask, type DeclaredTask, type TaskContext, type TaskDefinition, type TaskOptions } from '../task.ts';
import { itemOutcomes } from './outcomes.ts';

/** When a batch fires: at `size` items, or `maxWaitMs` after its first item arrived. */
export interface BatchOptions {
  /** Most items per call (1..10,000). A worker caps it at its concurrency: each item holds a slot. */
  size: number;
  /** Longest an item waits for others before a partial batch fires (ms, 0..60,000). */
  maxWaitMs: number;
}

/** One message of a batch, as the handler sees it. */
export interface BatchItem<P> {
  readonly payload: P;
  readonly id: string;
  /** 1 on the item's first run: items of one batch may be on different attempts. */
  readonly attempt: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** What a batch handler gets besides its items. */
export interface BatchContext {
  /** Aborted when the worker must stop, or at the task's time limit. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/**
 * Gets up to `batch.size` items at once. Returns nothing (every item succeeded, result
 * `undefined`), or one outcome per item in item order: a result, or an Error for an item that
 * failed (retried or dead-lettered on its own, as if its handler had thrown it: `PermanentError`,
 * `RetryLater` work as usual). Throwing fails every item of the batch.
 */
export type BatchHandler<P, R> = (items: ReadonlyArray<BatchItem<P>>, ctx: BatchContext) => BatchResult<R> | Promise<BatchResult<R>>;
export type BatchResult<R> = void | ReadonlyArray<R | Error>;

export type BatchTaskOptions<P> = TaskOptions<P> & { batch: BatchOptions };

/** A task definition whose worker runs it in batches; also runnable one item at a time. */
export interface BatchTaskDefinition<P, R> extends TaskDefinition<P, R> {
  readonly batchHandler: BatchHandler<P, R>;
  readonly options: Readonly<BatchTaskOptions<P>>;
}

const MAX_BATCH_SIZE = 10_000;
const MAX_BATCH_WAIT_MS = 60_000;

function checkBatchOptions(name: string, b: BatchOptions | undefined): void {
  if (!b || typeof b !== 'object') throw new TypeError(`task ${name}: batch: { size, maxWaitMs } is required`);
  if (!Number.isInteger(b.size) || b.size < 1 || b.size > MAX_BATCH_SIZE) throw new RangeError(`task ${name}: batch.size must be an integer in 1..${MAX_BATCH_SIZE}, got ${b.size}`);
  // Bounded well under a consumer's ack wait: a waiting item's message is heartbeated, but a long wait is a slot held idle.
  if (!(b.maxWaitMs >= 0 && b.maxWaitMs <= MAX_BATCH_WAIT_MS)) throw new RangeError(`task ${name}: batch.maxWaitMs must be in 0..${MAX_BATCH_WAIT_MS}, got ${b.maxWaitMs}`);
}

/**
 * Defines a task whose handler takes many messages at once (bulk inserts). Producers enqueue one
 * payload at a time, as for any task; each message is still acked, retried or dead-lettered on
 * its own:
 *
 *   export const insertRow = defineBatchTask('rows.insert', async (items: BatchItem<Row>[]) => {
 *     await db.insertMany(items.map((i) => i.payload));
 *   }, { batch: { size: 100, maxWaitMs: 50 } });
 */
export function defineBatchTask<P, R>(declared: DeclaredTask<P, R>, handler: BatchHandler<P, R>, options: BatchTaskOptions<P>): BatchTaskDefinition<P, R>;
// The result type leaves out the Errors that mark failed items.
export function defineBatchTask<P, O>(name: string, handler: BatchHandler<P, O>, options: BatchTaskOptions<P>): BatchTaskDefinition<P, Exclude<O, Error>>;
export function defineBatchTask<P, R>(task: string | DeclaredTask<P, R>, handler: BatchHandler<P, R>, options: BatchTaskOptions<P>): BatchTaskDefinition<P, R> {
  const name = typeof task === 'string' ? task : task.name;
  checkBatchOptions(name, options?.batch);
  if (typeof handler !== 'function') throw new TypeError(`task ${name}: the handler must be a function`);
  // Run one item at a time (an eager client, a worker without batching): a batch of one.
  const single = async (payload: P, ctx: TaskContext): Promise<R> => {
    const [outcome] = itemOutcomes<R>(await handler([{ payload, id: ctx.id, attempt: ctx.attempt, metadata: ctx.metadata }], ctx), 1);
    if (outcome!.ok) return outcome!.value;
    throw outcome!.error;
  };
  const def = typeof task === 'string' ? defineTask<P, R>(task, single, options) : defineTask<P, R>(task, single, options);
  return Object.freeze({ ...def, batchHandler: handler }) as BatchTaskDefinition<P, R>;
}
