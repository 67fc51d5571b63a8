import { describe, expect, it } from 'vitest';
import { area, summarize, under, type Profile } from './profile-summary.ts';

const frame = (functionName: string, url = '/work/main/worker-runtime/src/worker/run-task.ts') => ({ functionName, url, lineNumber: 0 });
// root -> execute -> ack (node_modules) ; root -> (idle)
const profile: Profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
    { id: 2, callFrame: frame('execute'), children: [3] },
    { id: 3, callFrame: frame('ack', '/x/node_modules/@nats-io/jetstream/lib/jsmsg.js') },
    { id: 4, callFrame: frame('(idle)', '') },
  ],
  samples: [2, 3, 3, 4, 4, 4],
  timeDeltas: [10, 10, 10, 100, 100, 100],
};

describe('profile summary', () => {
  it('names packages, project files and internals', () => {
    expect(area('file:///a/node_modules/@nats-io/nats-core/lib/protocol.js')).toBe('@nats-io/nats-core');
    expect(area('file:///a/node_modules/pino/lib/proto.js')).toBe('pino');
    expect(area('file:///work/main/worker-runtime/src/worker/run-task.ts')).toBe('worker-runtime/src/worker/run-task.ts');
    expect(area('node:net')).toBe('node:net');
    expect(area('')).toBe('(native/gc)');
  });

  it('adds self time by area and function, leaving idle out', () => {
    const s = summarize(profile);
    expect(s.busy).toBe(30);
    expect(s.byArea).toEqual([
      ['@nats-io/jetstream', 20],
      ['worker-runtime/src/worker/run-task.ts', 10],
    ]);
  });

  it('splits the time below a function by the calls it made', () => {
    expect(under(profile, 'execute')).toEqual({
      total: 30,
      split: [
        ['ack @nats-io/jetstream:1', 20],
        ['(self)', 10],
      ],
    });
  });
});
