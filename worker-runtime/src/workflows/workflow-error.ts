import type { StepFailure } from './plan.ts';

/** A workflow ended without a result: `failedAt` says which step (stage, member, task id) and why. */
export class WorkflowFailedError extends Error {
  override readonly name = 'WorkflowFailedError';
  readonly workflowId: string;
  readonly failedAt: StepFailure | undefined;
  constructor(workflowId: string, failedAt: StepFailure | undefined) {
    const where = failedAt ? `stage ${failedAt.stage}${failedAt.member !== undefined ? ` member ${failedAt.member}` : ''} (${failedAt.task} ${failedAt.id}, ${failedAt.state})` : 'an unknown step';
    super(`workflow ${workflowId} failed at ${where}${failedAt?.error ? `: ${failedAt.error.message}` : ''}`);
    this.workflowId = workflowId;
    this.failedAt = failedAt;
  }
}
