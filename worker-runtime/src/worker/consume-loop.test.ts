import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConsumeLoop } from './consume-loop.ts';

/** A pulled message that counts what the loop does with it. */
interface FakeMsg {
  seq: number;
  working: number;
  naks: number;
}

/**
 * A consumer holding `total` messages: each fetch hands out up to its batch at once, then ends
 * (a pull filled or expired). Pure logic of the loop: pulls sized within the read-ahead, order,
 * keep-alive and hand-back; the real server's side is in test/integration (runtime, read-ahead).
 */
function fakeJetStream(total: number) {
  let next = 0;
  const msgs: FakeMsg[] = [];
  const batches: number[] = [];
  const js = {
    consumers: {
      get: async () => ({
        fetch: async ({ max_messages }: { max_messages: number }) => {
          batches.push(max_messages);
          let closed = false;
          return {
            close: async () => void (closed = true),
            async *[Symbol.asyncIterator]() {
              for (let i = 0; i < max_messages && next < total && !closed; i++) {
                const m: FakeMsg = { seq: next++, working: 0, naks: 0 };
                msgs.push(m);
                yield { seq: m.seq, working: () => m.working++, nak: () => m.naks++ } as unknown as JsMsg;
              }
              if (next >= total) await new Promise((r) => setTimeout(r, 20)); // an idle pull waits, then expires
            },
          };
        },
      }),
    },
  } as unknown as JetStreamClient;
  return { js, msgs, batches };
}

const log = pino({ level: 'silent' });

describe('ConsumeLoop', () => {
  it('passes every message on once, in order, holding no more than the read-ahead', async () => {
    const { js, batches } = fakeJetStream(5_000);
    const seen: number[] = [];
    let maxHeld = 0;
    const loop: ConsumeLoop = new ConsumeLoop(js, {
      stream: 's',
      consumer: 'c',
      prefetch: 16,
      idleHeartbeatMs: 1_000,
      ackWaitMs: 30_000,
      log,
      onActive: () => undefined,
      // A slot frees a microtask later: the waiting list never empties while the backlog lasts.
      onMessage: (m) => {
        seen.push((m as unknown as { seq: number }).seq);
        maxHeld = Math.max(maxHeld, loop.held);
        return seen.length % 3 === 0 ? Promise.resolve() : undefined;
      },
    });
    await new Promise<void>((r) => {
      const t = setInterval(() => seen.length === 5_000 && (clearInterval(t), r()), 5);
    });
    await loop.stop();
    expect(seen).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(maxHeld).toBeLessThanOrEqual(16);
    expect(Math.max(...batches)).toBeLessThanOrEqual(16);
  });

  it('keeps waiting messages alive until they are passed on, and hands back the rest on stop', async () => {
    const { js, msgs } = fakeJetStream(10);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const passed: number[] = [];
    const loop = new ConsumeLoop(js, {
      stream: 's',
      consumer: 'c',
      prefetch: 10,
      idleHeartbeatMs: 1_000,
      ackWaitMs: 300, // keep-alive every 100 ms
      log,
      onActive: () => undefined,
      onMessage: (m) => {
        passed.push((m as unknown as { seq: number }).seq);
        return passed.length === 1 ? blocked : undefined; // the first waits for a slot
      },
    });
    await new Promise((r) => setTimeout(r, 350));
    expect(passed).toEqual([0]);
    expect(msgs).toHaveLength(10);
    // The one waiting for its slot and the nine behind it were each told `working()`.
    for (const m of msgs) expect(m.working, `message ${m.seq}`).toBeGreaterThanOrEqual(2);
    await loop.stop();
    release();
    // Never passed on: handed straight back; the one in hand is its slot's to finish.
    expect(msgs.filter((m) => m.naks === 1).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(msgs[0]!.naks).toBe(0);
  });
});
