import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { HEADERS } from '../protocol.ts';
import { parseStep } from './plan.ts';

const NEEDLE = Buffer.from(`\r\n${HEADERS.workflowId}:`);

/** nats.js' message internals: the raw bytes and where the headers end. */
interface RawMsg {
  _rdata?: Uint8Array;
  _msg?: { hdr: number };
}

/**
 * Whether a delivered message belongs to a workflow, without decoding its headers when they were
 * not decoded yet: a success with results off never decodes them (worker/envelope.ts), and this
 * check runs on every success. A byte search of the raw header block costs far less; when the
 * client's internals are not what is expected, it falls back to the decoded headers.
 */
export function carriesWorkflow(msg: JsMsg): boolean {
  const raw = (msg as unknown as { msg?: RawMsg }).msg;
  if (raw?._rdata instanceof Uint8Array && typeof raw._msg?.hdr === 'number') {
    if (raw._msg.hdr <= 0) return false;
    return Buffer.from(raw._rdata.buffer, raw._rdata.byteOffset, raw._msg.hdr).indexOf(NEEDLE) >= 0;
  }
  return msg.headers?.has(HEADERS.workflowId) === true;
}

/** The workflow step a message runs, or undefined when its workflow headers are missing or malformed. */
export function workflowStepOf(msg: JsMsg): { id: string; stage: number; member?: number } | undefined {
  return workflowStepIn(msg.headers);
}

/** The workflow step of a message's headers (a delivered or a stored message). */
export function workflowStepIn(h: MsgHdrs | undefined): { id: string; stage: number; member?: number } | undefined {
  const id = h?.get(HEADERS.workflowId);
  const step = parseStep(h?.get(HEADERS.workflowStep) ?? '');
  return id && step ? { id, ...step } : undefined;
}
