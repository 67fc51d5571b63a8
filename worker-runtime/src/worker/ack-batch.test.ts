import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { AckBatch } from './ack-batch.ts';

/** Stands in for a delivered message: AckBatch only calls ack(). */
const message = (log: string[], name: string) => ({ ack: () => void log.push(name) }) as unknown as JsMsg;
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('AckBatch', () => {
  it('sends the acks of one turn together, on the next', async () => {
    const sent: string[] = [];
    const batch = new AckBatch();
    batch.ack(message(sent, 'a'));
    await Promise.resolve(); // microtasks do not flush it: the point is to outlast them
    batch.ack(message(sent, 'b'));
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual(['a', 'b']);
    batch.ack(message(sent, 'c'));
    await nextTurn();
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('sends what is pending at once on flush, and nothing twice', async () => {
    const sent: string[] = [];
    const batch = new AckBatch();
    batch.ack(message(sent, 'a'));
    batch.flush();
    expect(sent).toEqual(['a']);
    await nextTurn();
    batch.flush();
    expect(sent).toEqual(['a']);
  });
});
