import type { JsMsg } from '@nats-io/jetstream';

const encoder = new TextEncoder();

/** The parts of nats.js's message object (MsgImpl) that hold the raw header block. */
interface RawMsg {
  _rdata?: Uint8Array;
  _msg?: { hdr?: number };
}

/**
 * Whether a delivered message's raw header block contains `name`, without decoding it. Decoding
 * a task's headers costs about as much as the rest of a no-op task on the worker (the hot path
 * decodes them lazily, docs/benchmarks.md), so a check that applies to few tasks (an expiry, say)
 * looks for its header's bytes first. nats.js keeps those bytes on the message (`_rdata`, the
 * first `_msg.hdr` of them); a message of any other shape (another nats.js version) answers
 * true, so the caller decodes as before: slower, never wrong. A value that merely contains the
 * name also answers true; the caller's decode then finds no such header.
 */
export function headerBlockMentions(msg: JsMsg, name: string): boolean {
  const core = (msg as unknown as { msg?: RawMsg }).msg;
  const data = core?._rdata;
  const hdr = core?._msg?.hdr;
  if (!(data instanceof Uint8Array) || typeof hdr !== 'number') return true;
  if (hdr < 0) return false; // no headers at all
  const block = Buffer.from(data.buffer, data.byteOffset, Math.min(hdr, data.length));
  return block.indexOf(needleOf(name)) >= 0;
}

const needles = new Map<string, Buffer>();
function needleOf(name: string): Buffer {
  let n = needles.get(name);
  if (!n) needles.set(name, (n = Buffer.from(encoder.encode(`${name}:`))));
  return n;
}
