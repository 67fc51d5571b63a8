import { headers as natsHeaders } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import { HEADERS, encodeJson, taskSubject } from '../protocol.ts';
import { formatStep, stepTaskId, type WorkflowPlan } from './plan.ts';
import { setTraceHeaders, type TraceHeaders } from '../tracing/trace-headers.ts';

/**
 * Publishes the task messages of one stage. Each message's id (and `Nats-Msg-Id`) is derived from
 * the workflow id and the step, so publishing a stage again (a retried completion, two members
 * finishing a group at once) is a JetStream duplicate within the dedupe window, not a second task.
 * `trace` (W3C trace context) makes every task of the stage a child of the span that caused it.
 */
export async function publishStage(js: JetStreamClient, plan: WorkflowPlan, stage: number, input: unknown, trace?: TraceHeaders): Promise<void> {
  const s = plan.stages[stage];
  if (!s) throw new RangeError(`workflow ${plan.id} has no stage ${stage}`);
  const sends =
    s.kind === 'task'
      ? [publishStep(js, plan, stage, undefined, s.task, s.input === 'previous' ? input : s.payload, trace)]
      : s.members.map((m, i) => publishStep(js, plan, stage, i, m.task, m.payload, trace));
  await Promise.all(sends);
}

async function publishStep(js: JetStreamClient, plan: WorkflowPlan, stage: number, member: number | undefined, task: string, payload: unknown, trace: TraceHeaders | undefined): Promise<void> {
  const id = stepTaskId(plan.id, stage, member);
  const h = natsHeaders();
  h.set(HEADERS.id, id);
  h.set(HEADERS.msgId, id);
  h.set(HEADERS.enqueuedAt, String(Date.now()));
  h.set(HEADERS.workflowId, plan.id);
  h.set(HEADERS.workflowStep, formatStep(stage, member));
  if (trace) setTraceHeaders(h, trace);
  await js.publish(taskSubject(plan.queue, task), encodeJson(payload), { headers: h });
}
