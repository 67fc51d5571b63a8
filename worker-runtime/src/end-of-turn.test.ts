import { describe, expect, it } from 'vitest';
import { EndOfTurn } from './end-of-turn.ts';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('EndOfTurn', () => {
  it('runs the flushes of one turn with no microtask checkpoint between them, as one socket write needs', async () => {
    const log: string[] = [];
    const turn = new EndOfTurn();
    // Each flush queues a microtask, as nats.js does to write its outbound buffer.
    const acks = () => { log.push('acks'); queueMicrotask(() => log.push('write')); };
    const records = () => { log.push('records'); queueMicrotask(() => log.push('write')); };
    turn.defer(acks);
    turn.defer(records);
    turn.defer(acks); // asked twice in a turn: runs once
    await Promise.resolve();
    expect(log).toEqual([]);
    await nextTurn();
    expect(log).toEqual(['acks', 'records', 'write', 'write']);
  });

  it('drops a cancelled flush, and takes flushes asked for while it runs into the next turn', async () => {
    const log: string[] = [];
    const turn = new EndOfTurn();
    const a = () => log.push('a');
    const b = () => { log.push('b'); turn.defer(a); };
    turn.defer(a);
    turn.cancel(a);
    turn.defer(b);
    await nextTurn();
    expect(log).toEqual(['b']);
    await nextTurn();
    expect(log).toEqual(['b', 'a']);
  });

  it('runs every flush of the turn when one throws, then rethrows: no owner is left unflushed for good', () => {
    const log: string[] = [];
    const turn = new EndOfTurn();
    turn.defer(() => {
      throw new Error('flush failed');
    });
    turn.defer(() => log.push('acks'));
    expect(() => turn.run()).toThrow('flush failed');
    expect(log).toEqual(['acks']);
  });
});
