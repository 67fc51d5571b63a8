import { describe, expect, it } from 'vitest';
import { CancelledError, HardTimeLimitError, IsolatedRunnerError, MemoryLimitError, TaskTimeoutError } from '../errors.ts';
import { runnerEnd } from './runner-end.ts';

describe('runnerEnd', () => {
  it.each([
    { err: new HardTimeLimitError('x'), killed: true, closing: false, reason: 'time-limit' },
    { err: new TaskTimeoutError('x'), killed: true, closing: false, reason: 'time-limit' },
    { err: new CancelledError('id'), killed: true, closing: false, reason: 'cancelled' },
    { err: new Error('did not load in 60000 ms'), killed: true, closing: false, reason: 'start-failed' },
    { err: new MemoryLimitError('x'), killed: false, closing: false, reason: 'memory' },
    { err: new IsolatedRunnerError('exited (code 1)'), killed: false, closing: false, reason: 'crashed' },
    { err: new Error('worker stopped'), killed: true, closing: true, reason: 'shutdown' },
    { err: new IsolatedRunnerError('exited'), killed: false, closing: true, reason: 'shutdown' },
  ])('a runner ended by $err.name (killed $killed, closing $closing) ended for $reason', ({ err, killed, closing, reason }) => {
    expect(runnerEnd(err, killed, closing)).toBe(reason);
  });

  it('tells errors by name, so a copy from another package instance counts the same', () => {
    const foreign = Object.assign(new Error('over'), { name: 'MemoryLimitError' });
    expect(runnerEnd(foreign, false, false)).toBe('memory');
  });
});
