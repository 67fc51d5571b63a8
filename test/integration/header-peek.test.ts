import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { headerBlockMentions } from '../../worker-runtime/src/worker/header-peek.ts';
import { TaskEnvelope } from '../../worker-runtime/src/worker/envelope.ts';
import { useNats } from '../support/use-nats.ts';

/**
 * The worker looks for a header's bytes in a delivered message before decoding its headers
 * (worker/header-peek.ts reads nats.js's raw message fields): this pins that shape on the
 * installed nats.js, with real deliveries, so an upgrade that changes it fails here instead of
 * silently decoding every task's headers again.
 */
describe('headerBlockMentions on real JetStream deliveries', () => {
  const nats = useNats();

  async function deliver(h?: Record<string, string>): Promise<JsMsg> {
    const jsm = await jetstreamManager(nats.nc);
    const stream = `PEEK_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
    const hdrs = headers();
    for (const [k, v] of Object.entries(h ?? {})) hdrs.set(k, v);
    await jetstream(nats.nc).publish(`${stream.toLowerCase()}.x`, 'body', h ? { headers: hdrs } : {});
    const consumer = await jetstream(nats.nc).consumers.get(stream);
    const m = await consumer.next({ expires: 2000 });
    if (!m) throw new Error('no delivery');
    return m;
  }

  it('finds a header that is there and not one that is absent, without decoding', async () => {
    const m = await deliver({ 'Celeriac-Id': 'a', 'Celeriac-Expires-At': '123' });
    expect(headerBlockMentions(m, 'Celeriac-Expires-At')).toBe(true);
    expect(headerBlockMentions(m, 'Celeriac-Run-At')).toBe(false);
    expect(headerBlockMentions(m, 'Celeriac-Id')).toBe(true);
  });

  it('answers false for a message without headers, and true (decode to be sure) for an unknown shape', async () => {
    const bare = await deliver();
    expect(headerBlockMentions(bare, 'Celeriac-Expires-At')).toBe(false);
    expect(headerBlockMentions({ headers: undefined } as unknown as JsMsg, 'Celeriac-Expires-At')).toBe(true);
  });

  it("reads a result record's fields from the raw headers as the full decode does", async () => {
    const cases: Record<string, string>[] = [
      { 'Celeriac-Id': 'abc', 'Celeriac-Enqueued-At': '1700000000000', 'Celeriac-Meta-Tenant': 'x', 'Nats-Msg-Id': 'abc' },
      { 'Celeriac-Id': 'handed-back', 'Celeriac-Prior-Attempts': '3', 'X-Celeriac-Id': 'not-this' },
      { 'Celeriac-Id': 'tick', 'Celeriac-Schedule': 'nightly' }, // a periodic tick: the full decode decides
      { 'Celeriac-Enqueued-At': '5' }, // no id: the sequence names it
    ];
    for (const h of cases) {
      const m = await deliver(h);
      const fast = new TaskEnvelope(m, 't').record();
      const full = new TaskEnvelope(m, 't');
      void full.metadata; // decodes every header first
      expect(fast).toEqual(full.record());
    }
    expect(new TaskEnvelope(await deliver(cases[1]), 't').record()).toMatchObject({ id: 'handed-back', attempts: 4 });
  });
});
