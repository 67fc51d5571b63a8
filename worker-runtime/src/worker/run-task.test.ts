import type { JsMsg } from '@nats-io/jetstream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RunDeps } from './run-deps.ts';
import { runTask } from './run-task.ts';

describe('runTask', () => {
  it('keeps a message it cannot even read and frees the slot, instead of throwing into the consume loop', () => {
    const naks: number[] = [];
    // Not a JetStream delivery: reading its delivery info throws.
    const msg = {
      subject: 'celeriac.q.tasks.t',
      get info(): never {
        throw new Error('unable to parse delivery info');
      },
      nak: (delay: number) => void naks.push(delay),
    } as unknown as JsMsg;
    let released = 0;
    const deps = { queue: 'q', tasks: new Map(), log: pino({ level: 'silent' }) } as unknown as RunDeps;
    expect(() => runTask(msg, deps, () => released++)).not.toThrow();
    expect(naks).toEqual([5000]);
    expect(released).toBe(1);
  });
});
