import { describe, expect, it } from 'vitest';
import { actionOf } from './actions.ts';

describe('actionOf', () => {
  it.each([
    [['pause'], 'pause'],
    [['resume'], 'resume'],
    [['cancel'], 'cancel'],
    [['enqueue'], 'enqueue'],
    [['dead', 'purge'], 'purge'],
    [['dead', 'replay-all'], 'replay'],
    [['dead', '17', 'replay'], 'replay'],
    [['dead', '17'], undefined],
    [['delete'], undefined],
    [[], undefined],
  ])('%j is %s', (sub, action) => {
    expect(actionOf(sub)).toBe(action);
  });
});
