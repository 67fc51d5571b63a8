import { createHash, randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { Client } from '../client/client.ts';
import { DEFAULTS } from '../defaults.ts';
import { TimeoutError } from '../errors.ts';
import { assertQueueName, isValidTaskId, type ResultRecord } from '../protocol.ts';
import type { Flow } from './flow.ts';
import { stepTaskId, workflowKeys, type WorkflowPlan, type WorkflowRecord } from './plan.ts';
import { publishStage } from './publish-stage.ts';
import { WorkflowStore } from './store.ts';
import { WorkflowFailedError } from './workflow-error.ts';
import { startProducerSpan } from '../tracing/spans.ts';

export interface StartWorkflowOptions {
  /** The queue every task of the workflow runs on. */
  queue: string;
  /** The workflow id. Default: derived from `idempotencyKey`, else a random UUID. */
  id?: string;
  /** Starting twice with one key starts one workflow; both calls return its handle. */
  idempotencyKey?: string;
}

/** What `startWorkflow` returns: the workflow's id, its final result and each step's state. */
export interface WorkflowHandle<O> {
  readonly id: string;
  readonly queue: string;
  /** True when a workflow with this id had already been started (same idempotency key). */
  readonly duplicate: boolean;
  /** Waits for the last stage's output, or rejects with a WorkflowFailedError saying which step failed. */
  result(opts?: { timeoutMs?: number }): Promise<O>;
  /** The workflow record (stage, state, result or failure); undefined before the first write. */
  status(): Promise<WorkflowRecord | undefined>;
  /** The result record of every step started so far, by stage (a group stage lists its members). */
  steps(): Promise<Array<Array<ResultRecord | undefined>>>;
}

/** Longest workflow id: step task ids add `wf-` and the step, and must stay valid ids. */
const MAX_ID_LENGTH = 150;

/**
 * Starts a workflow: writes its plan to the queue's workflow bucket, then publishes the first
 * stage's tasks. The workers carry it on from there; the producer may go away.
 *
 *   const wf = await startWorkflow(client, chain(sig(fetchPage, { url }), parse, store), { queue: 'pages' });
 *   const stored = await wf.result();
 */
export async function startWorkflow<O>(client: Client, flow: Flow<unknown, O>, options: StartWorkflowOptions): Promise<WorkflowHandle<O>> {
  assertQueueName(options.queue);
  const id = options.id ?? (options.idempotencyKey !== undefined ? 'k-' + createHash('sha256').update(options.idempotencyKey).digest('base64url').slice(0, 32) : randomUUID());
  if (!isValidTaskId(id) || id.length > MAX_ID_LENGTH) throw new TypeError(`invalid workflow id ${JSON.stringify(id)}`);
  if (flow.stages.length === 0) throw new TypeError('a workflow needs at least one task');
  const first = flow.stages[0]!;
  if (first.kind === 'task' && first.input === 'previous') throw new TypeError('a workflow starts with a signature: sig(task, payload)');
  const plan: WorkflowPlan = { v: 1, id, queue: options.queue, createdAt: Date.now(), stages: [...flow.stages] };
  const store = new WorkflowStore(client.nc, options.queue);
  const created = await store.createPlan(plan);
  const stored = created ? plan : ((await store.plan(id)) ?? plan);
  const record = await store.advanceRecord({ id, state: 'running', stage: 0, stages: stored.stages.length, updatedAt: Date.now() });
  // A repeated start publishes the first stage again only while the workflow is still there (a
  // duplicate, or the recovery of a start whose producer died before publishing); once it has
  // moved on, its first tasks must not run again.
  if (created || (record?.state === 'running' && record.stage === 0)) {
    // The workflow's root span in the producer's trace: every step's span descends from it.
    const span = startProducerSpan('start workflow', { 'celeriac.queue': options.queue, 'celeriac.workflow.id': id });
    try {
      await publishStage(jetstream(client.nc), stored, 0, undefined, span?.headers);
    } catch (e) {
      span?.end(e);
      throw e;
    }
    span?.end();
  }
  return workflowHandle<O>(client, store, stored, !created);
}

function workflowHandle<O>(client: Client, store: WorkflowStore, plan: WorkflowPlan, duplicate: boolean): WorkflowHandle<O> {
  const { id, queue } = plan;
  return {
    id,
    queue,
    duplicate,
    async result(opts) {
      const record = await waitFinal(store, id, opts?.timeoutMs ?? DEFAULTS.resultTimeoutMs);
      if (record.state === 'succeeded') return record.result as O;
      throw new WorkflowFailedError(id, record.failedAt);
    },
    status: () => store.read<WorkflowRecord>(workflowKeys(id).state),
    async steps() {
      const record = await store.read<WorkflowRecord>(workflowKeys(id).state);
      const reached = plan.stages.slice(0, (record?.stage ?? 0) + 1);
      return Promise.all(
        reached.map((s, stage) =>
          Promise.all(
            s.kind === 'task' ? [client.status(stepTaskId(id, stage), { queue })] : s.members.map((_, m) => client.status(stepTaskId(id, stage, m), { queue })),
          ),
        ),
      );
    },
  };
}

async function waitFinal(store: WorkflowStore, id: string, timeoutMs: number): Promise<WorkflowRecord> {
  const watch = await (await store.kv()).watch({ key: workflowKeys(id).state });
  const timer = setTimeout(() => watch.stop(), timeoutMs);
  try {
    for await (const entry of watch) {
      if (entry.operation !== 'PUT') continue;
      const record = entry.json<WorkflowRecord>();
      if (record.state !== 'running') return record;
    }
  } finally {
    clearTimeout(timer);
    watch.stop();
  }
  throw new TimeoutError(`workflow ${id} did not finish within ${timeoutMs} ms`);
}
