/** Workflows: chain, group and chord on JetStream and KV (docs/concepts.md "Workflows"). */
export { chain, chord, group, sig } from './flow.ts';
export type { ChordOptions, Flow, Group, Link, Signature } from './flow.ts';
export { startWorkflow } from './start.ts';
export type { StartWorkflowOptions, WorkflowHandle } from './start.ts';
export { WorkflowFailedError } from './workflow-error.ts';
export { WorkflowsUnavailableError } from './store.ts';
export type { GroupOutcome, OnError, StepFailure, WorkflowRecord, WorkflowState } from './plan.ts';
