import type { JsMsg } from '@nats-io/jetstream';

const encoder = new TextEncoder();

/** The parts of nats.js's message object (MsgImpl) that hold the raw header block. */
interface RawMsg {
  _rdata?: Uint8Array;
  _msg?: { hdr?: number };
}

/**
 * A delivered message's raw header block (`NATS/1.0\r\nName: value\r\n...`), null when it has no
 * headers, undefined when the message is of a shape this does not know (another nats.js
 * version): callers then decode the headers as before, slower, never wrong. nats.js keeps those
 * bytes on the message (`_rdata`, the first `_msg.hdr` of them).
 */
export function rawHeaderBlock(msg: JsMsg): Buffer | null | undefined {
  const core = (msg as unknown as { msg?: RawMsg }).msg;
  const data = core?._rdata;
  const hdr = core?._msg?.hdr;
  if (!(data instanceof Uint8Array) || typeof hdr !== 'number') return undefined;
  if (hdr < 0) return null; // no headers at all
  return Buffer.from(data.buffer, data.byteOffset, Math.min(hdr, data.length));
}

/**
 * Whether a delivered message's raw header block contains `name`, without decoding it. Decoding
 * a task's headers costs about as much as the rest of a no-op task on the worker (the hot path
 * decodes them lazily, docs/benchmarks.md), so a check that applies to few tasks (an expiry, say)
 * looks for its header's bytes first. A message of an unknown shape answers true, so the caller
 * decodes. A value that merely contains the name also answers true; the caller's decode then
 * finds no such header.
 */
export function headerBlockMentions(msg: JsMsg, name: string): boolean {
  const block = rawHeaderBlock(msg);
  if (block === undefined) return true;
  return block !== null && block.indexOf(needleOf(name)) >= 0;
}

const needles = new Map<string, Buffer>();
function needleOf(name: string): Buffer {
  let n = needles.get(name);
  if (!n) needles.set(name, (n = Buffer.from(encoder.encode(`${name}:`))));
  return n;
}

/**
 * The first value of header `name` in a header block's text, as nats.js's decode gives it (the
 * line's text after the first colon, trimmed; names match exactly); undefined when absent. Every
 * header line follows a CRLF (the first line is `NATS/1.0`), so a name that merely ends in `name`
 * does not match.
 */
export function headerValue(block: string, name: string): string | undefined {
  const key = `\r\n${name}:`;
  const at = block.indexOf(key);
  if (at < 0) return undefined;
  const from = at + key.length;
  const end = block.indexOf('\r\n', from);
  return block.slice(from, end < 0 ? block.length : end).trim();
}
