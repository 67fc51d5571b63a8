import { describe, expect, it } from 'vitest';
import { headers } from '@nats-io/nats-core';
import type { JsMsg } from '@nats-io/jetstream';
import { MsgImpl } from '@nats-io/nats-core/internal';
import { HEADERS } from '../protocol.ts';
import { carriesWorkflow, workflowStepOf } from './step-header.ts';

/** A delivered JetStream message as nats.js builds it from the wire: header block, then body. */
function delivered(set: Record<string, string> | undefined) {
  let data: Uint8Array = new TextEncoder().encode('{}');
  let hdr = -1;
  if (set) {
    const h = headers();
    for (const [k, v] of Object.entries(set)) h.set(k, v);
    const block = (h as unknown as { encode(): Uint8Array }).encode();
    hdr = block.length;
    data = new Uint8Array([...block, ...data]);
  }
  const enc = new TextEncoder();
  const msg = new MsgImpl({ subject: enc.encode('celeriac.q.tasks.t'), sid: 1, reply: enc.encode('$JS.ACK.S.C.1.7.7.1764100000000000000.0'), size: data.length, hdr }, data, { publish: () => undefined });
  // What nats.js' JsMsg is around a core message: `msg`, and `headers` read through it.
  return { msg, get headers() { return msg.headers; } } as unknown as JsMsg;
}

describe('workflow step headers', () => {
  it('finds the workflow header in the raw header block, as the decoded headers would', () => {
    const cases: Array<Record<string, string> | undefined> = [
      undefined,
      { [HEADERS.id]: 'a' },
      { [HEADERS.id]: 'a', [`${HEADERS.metaPrefix}note`]: `${HEADERS.workflowId}: not a header` },
      { [HEADERS.id]: 'a', [HEADERS.workflowId]: 'wf1', [HEADERS.workflowStep]: '2.7' },
      { [HEADERS.workflowId]: 'wf1' },
    ];
    const raw = cases.map((c) => carriesWorkflow(delivered(c)));
    expect(raw).toEqual([false, false, false, true, true]);
    expect(raw).toEqual(cases.map((c) => delivered(c).headers?.has(HEADERS.workflowId) === true));
  });

  it('parses the step, and rejects a malformed one', () => {
    expect(workflowStepOf(delivered({ [HEADERS.workflowId]: 'wf1', [HEADERS.workflowStep]: '2.7' }))).toEqual({ id: 'wf1', stage: 2, member: 7 });
    expect(workflowStepOf(delivered({ [HEADERS.workflowId]: 'wf1', [HEADERS.workflowStep]: '3' }))).toEqual({ id: 'wf1', stage: 3 });
    for (const bad of ['', 'x', '1.', '-1', '1.2.3']) expect(workflowStepOf(delivered({ [HEADERS.workflowId]: 'wf1', [HEADERS.workflowStep]: bad }))).toBeUndefined();
  });
});
