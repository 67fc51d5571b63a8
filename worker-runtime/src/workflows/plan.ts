import type { FailedState } from '../protocol.ts';

/**
 * The wire format of workflows (docs/protocol.md "Workflows"): JSON values in the queue's
 * workflow bucket `CELERIAC_<QUEUE>_WORKFLOWS`, keyed by the workflow id. Any client that writes
 * a plan and publishes the first stage's messages with the workflow headers starts a workflow.
 */

/** One task of a stage. `input: 'previous'` means its payload is the previous stage's output. */
export interface TaskStage {
  kind: 'task';
  task: string;
  /** The fixed payload; absent (and ignored) when `input` is `previous`. */
  payload?: unknown;
  input?: 'previous';
}

/** What a group does when a member fails: stop (the workflow fails) or go on with partial results. */
export type OnError = 'fail' | 'continue';

/** Tasks run in parallel with fixed payloads; the stage's output is their results in member order. */
export interface GroupStage {
  kind: 'group';
  members: Array<{ task: string; payload?: unknown }>;
  onError: OnError;
}

export type Stage = TaskStage | GroupStage;

/** Written once when the workflow starts, under `<id>.plan`; never changed. */
export interface WorkflowPlan {
  v: 1;
  id: string;
  queue: string;
  createdAt: number;
  /** Run one after the other; each stage's output feeds the next (chain, chord = group + callback). */
  stages: Stage[];
}

/** Where and how a workflow failed. */
export interface StepFailure {
  stage: number;
  /** The group member's index, for a group stage. */
  member?: number;
  task: string;
  /** The failed task's id (its result record's key). */
  id: string;
  state: FailedState;
  error?: { message: string; type?: string };
}

/** What one finished group member left: its result, or why it has none. */
export type MemberOutcome = { ok: true; result: unknown } | ({ ok: false } & StepFailure);

/**
 * Under `<id>.group.<stage>`: the indexes of the group's finished members, in the order they
 * finished, updated with compare-and-set. Each one's outcome is under `<id>.member.<stage>.<index>`.
 */
export interface GroupState {
  size: number;
  /** Set on the group's key of a sharded group: `done` then lists finished shards, `size` = shards. */
  shards?: number;
  done: number[];
}

/**
 * Members per shard of a group's done lists. A group of up to this many members has one list; a
 * bigger one has ceil(size / GROUP_SHARD_MEMBERS) shards, member m in shard m % shards. Part of
 * the wire format: every worker must shard a group alike.
 */
export const GROUP_SHARD_MEMBERS = 32;

export function groupShards(size: number): number {
  return size <= GROUP_SHARD_MEMBERS ? 1 : Math.ceil(size / GROUP_SHARD_MEMBERS);
}

/** How many of a group's `size` members fall in `shard` (members m with m % shards === shard). */
export function shardSize(size: number, shards: number, shard: number): number {
  return Math.floor((size - 1 - shard) / shards) + 1;
}

/** What a chord's callback gets with `onError: 'continue'`: each member's result (null when it failed) and the failures. */
export interface GroupOutcome<Rs> {
  results: { [K in keyof Rs]: Rs[K] | null };
  errors: StepFailure[];
}

export type WorkflowState = 'running' | 'succeeded' | 'failed';

/** Under `<id>.state`: where the workflow is. Only moves forward (compare-and-set); final states stay. */
export interface WorkflowRecord {
  id: string;
  state: WorkflowState;
  /** The stage running now, or the last one for a final state. */
  stage: number;
  stages: number;
  updatedAt: number;
  /** The last stage's output, for `succeeded`. */
  result?: unknown;
  /** For `failed`: the step that failed it. */
  failedAt?: StepFailure;
}

export const workflowKeys = (id: string) => ({
  plan: `${id}.plan`,
  state: `${id}.state`,
  group: (stage: number) => `${id}.group.${stage}`,
  groupShard: (stage: number, shard: number) => `${id}.group.${stage}.${shard}`,
  member: (stage: number, member: number) => `${id}.member.${stage}.${member}`,
});

/** The task id of a step: deterministic, so a repeated enqueue of the step is a JetStream duplicate. */
export function stepTaskId(workflowId: string, stage: number, member?: number): string {
  return member === undefined ? `wf-${workflowId}-${stage}` : `wf-${workflowId}-${stage}-${member}`;
}

/** The `Celeriac-Workflow-Step` value: `<stage>` or `<stage>.<member>`. */
export function formatStep(stage: number, member?: number): string {
  return member === undefined ? String(stage) : `${stage}.${member}`;
}

export function parseStep(value: string): { stage: number; member?: number } | undefined {
  const m = /^(\d{1,6})(?:\.(\d{1,7}))?$/.exec(value);
  if (!m) return undefined;
  return m[2] === undefined ? { stage: Number(m[1]) } : { stage: Number(m[1]), member: Number(m[2]) };
}
