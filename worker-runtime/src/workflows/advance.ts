import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { DeadReason, describeError } from '../errors.ts';
import { HEADERS } from '../protocol.ts';
import type { TaskEnvelope } from '../worker/envelope.ts';
import { deadState } from '../worker/failure-decision.ts';
import { countFinished } from './group-count.ts';
import { workflowKeys, type GroupStage, type MemberOutcome, type StepFailure, type WorkflowPlan } from './plan.ts';
import { publishStage } from './publish-stage.ts';
import { carriesWorkflow, workflowStepIn } from './step-header.ts';
import { WorkflowStore } from './store.ts';
import { traceHeadersOf, type TraceHeaders } from '../tracing/trace-headers.ts';

type Step = { id: string; stage: number; member?: number };

/**
 * The worker's side of workflows: when a step's task has finished for good, record it and start
 * what comes next. Called before the task's message is acked (or termed), so a worker that dies
 * half way leaves the message to be redelivered and the step is taken again; every write here is
 * idempotent (compare-and-set in the workflow bucket, deterministic message ids), so taking a
 * step twice changes nothing.
 */
export class WorkflowSteps {
  private readonly store: WorkflowStore;
  private readonly js: JetStreamClient;
  private readonly log: Logger;

  constructor(nc: NatsConnection, js: JetStreamClient, queue: string, log: Logger) {
    this.store = new WorkflowStore(nc, queue);
    this.js = js;
    this.log = log;
  }

  /**
   * A task succeeded: undefined (nothing to wait for) unless it is a workflow step. `trace` is the
   * attempt's span context, the parent of the next steps; without one (no SDK in this worker)
   * they carry the context the step came with, so the trace goes on across this worker.
   */
  onSucceeded(env: TaskEnvelope, value: unknown, trace?: TraceHeaders): Promise<void> | undefined {
    if (!carriesWorkflow(env.msg)) return undefined;
    const step = this.step(env.msg.headers, env.task, env.id);
    return step && this.finished(step, { ok: true, result: value }, trace ?? traceHeadersOf(env.msg.headers));
  }

  /** A task ended without a result (dead-lettered): undefined unless it is a workflow step. */
  onFailed(env: TaskEnvelope, reason: DeadReason, error: ReturnType<typeof describeError>): Promise<void> | undefined {
    if (!carriesWorkflow(env.msg)) return undefined;
    return this.onEnded(env.msg.headers, env.task, env.id, reason, error);
  }

  /**
   * A task ended without a result, known by its headers: a delivered message, or one read back
   * from the stream (the server stopped delivering it at maxDeliveries, worker/max-deliveries.ts).
   * Undefined unless it is a workflow step.
   */
  onEnded(h: MsgHdrs | undefined, task: string, id: string, reason: DeadReason, error: ReturnType<typeof describeError>): Promise<void> | undefined {
    if (!h?.has(HEADERS.workflowId)) return undefined;
    const step = this.step(h, task, id);
    if (!step) return undefined;
    const failure: StepFailure = { stage: step.stage, task, id, state: deadState(reason), error: { message: error.message.slice(0, 2000), type: error.type } };
    if (step.member !== undefined) failure.member = step.member;
    return this.finished(step, { ok: false, ...failure });
  }

  private step(h: MsgHdrs | undefined, task: string, id: string): Step | undefined {
    const step = workflowStepIn(h);
    if (!step) this.log.warn({ task, id }, 'malformed workflow headers; task treated as a plain task');
    return step;
  }

  private async finished(step: Step, outcome: MemberOutcome, trace?: TraceHeaders): Promise<void> {
    const plan = await this.store.plan(step.id);
    const stage = plan?.stages[step.stage];
    if (!plan || !stage) {
      // Expired with the bucket's TTL, or a foreign publisher's mistake: nothing to continue.
      this.log.warn({ workflow: step.id, stage: step.stage }, 'workflow step without a plan; nothing follows it');
      return;
    }
    if (stage.kind === 'group' && step.member !== undefined) return this.memberFinished(plan, step.stage, stage, step.member, outcome, trace);
    if (!outcome.ok) return this.fail(plan, outcome);
    return this.advance(plan, step.stage, outcome.result, trace);
  }

  /**
   * Stores the member's outcome under its own key (the first outcome stands), then counts it
   * among the group's finished members (group-count.ts: compare-and-set on small lists of
   * indexes, sharded for big groups). Whoever completes the count reads all outcomes and moves on.
   */
  private async memberFinished(plan: WorkflowPlan, stage: number, group: GroupStage, member: number, outcome: MemberOutcome, trace?: TraceHeaders): Promise<void> {
    const size = group.members.length;
    const keys = workflowKeys(plan.id);
    const mine = await this.store.createOnce(keys.member(stage, member), outcome);
    if (!mine.ok && group.onError === 'fail') return this.fail(plan, mine);
    if (!(await countFinished(this.store, plan.id, stage, size, member))) return;
    const outcomes = await Promise.all(Array.from({ length: size }, (_, i) => this.store.read<MemberOutcome>(keys.member(stage, i))));
    // Each member stores its outcome before it counts itself, so none can be missing here; if one
    // is (expired with the bucket's TTL), fail loudly: the message is redelivered, not acked.
    if (outcomes.some((o) => o === undefined)) throw new Error(`workflow ${plan.id} stage ${stage}: a finished member's outcome is missing`);
    const all = outcomes as MemberOutcome[];
    const failures = all.filter((o): o is Extract<MemberOutcome, { ok: false }> => !o.ok);
    if (group.onError === 'fail') {
      if (failures.length > 0) return; // the workflow failed with the first of them
      return this.advance(plan, stage, all.map((o) => (o.ok ? o.result : null)), trace);
    }
    const errors = failures.map(({ ok: _ok, ...f }) => f);
    return this.advance(plan, stage, { results: all.map((o) => (o.ok ? o.result : null)), errors }, trace);
  }

  /** Stage `stage` produced `output`: start the next stage, or end the workflow with it. */
  private async advance(plan: WorkflowPlan, stage: number, output: unknown, trace?: TraceHeaders): Promise<void> {
    const record = await this.store.read<{ state: string; stage: number }>(workflowKeys(plan.id).state);
    if (record && (record.state !== 'running' || record.stage > stage)) return; // taken already
    const now = Date.now();
    const stages = plan.stages.length;
    if (stage + 1 >= stages) {
      await this.store.advanceRecord({ id: plan.id, state: 'succeeded', stage, stages, updatedAt: now, result: output });
      return;
    }
    // Publish first, record second: a crash in between publishes again (a duplicate) rather than never.
    await publishStage(this.js, plan, stage + 1, output, trace);
    await this.store.advanceRecord({ id: plan.id, state: 'running', stage: stage + 1, stages, updatedAt: now });
  }

  private async fail(plan: WorkflowPlan, failure: StepFailure & { ok?: false }): Promise<void> {
    const { ok: _ok, ...failedAt } = failure;
    await this.store.advanceRecord({ id: plan.id, state: 'failed', stage: failure.stage, stages: plan.stages.length, updatedAt: Date.now(), failedAt });
    this.log.warn({ workflow: plan.id, stage: failure.stage, member: failure.member, task: failure.task }, 'workflow failed');
  }
}
