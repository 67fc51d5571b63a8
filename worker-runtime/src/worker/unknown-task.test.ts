import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { decideUnknownTask, handoffPause, type UnknownTaskInput } from './unknown-task.ts';

const now = 1_000_000_000;
const grace = 60_000;
const base: UnknownTaskInput = { now, graceMs: grace, unknownSince: now, handoffs: 0, peers: 'none', warmedUp: true };

describe('decideUnknownTask', () => {
  it.each<[string, Partial<UnknownTaskInput>, 'hand-back' | 'dead']>([
    ['a live peer knows it: hand back', { peers: 'live' }, 'hand-back'],
    ['a live peer knows it, grace long over: hand back all the same', { peers: 'live', unknownSince: now - 10 * grace }, 'hand-back'],
    ['a peer announced it recently, within grace: hand back', { peers: 'recent', unknownSince: now - grace + 1 }, 'hand-back'],
    ['a peer announced it recently, grace over: dead', { peers: 'recent', unknownSince: now - grace }, 'dead'],
    ['no peer ever announced it: dead at once', { peers: 'none' }, 'dead'],
    ['no peer heard yet, still warming up: hand back', { peers: 'none', warmedUp: false }, 'hand-back'],
    ['warming up but grace over: dead', { peers: 'none', warmedUp: false, unknownSince: now - grace - 1 }, 'dead'],
    ['grace 0 and no live peer: dead', { peers: 'recent', graceMs: 0 }, 'dead'],
  ])('%s', (_, over, kind) => {
    expect(decideUnknownTask({ ...base, ...over }).kind).toBe(kind);
  });

  it('says why a task is dead', () => {
    expect(decideUnknownTask(base)).toEqual({ kind: 'dead', why: 'no worker of the queue has registered it' });
    expect(decideUnknownTask({ ...base, peers: 'recent', unknownSince: now - grace - 5 })).toMatchObject({ kind: 'dead', why: expect.stringContaining(`grace period of ${grace} ms`) });
  });

  it('hands back at once the first few times, then pauses more each time, up to the cap', () => {
    expect(decideUnknownTask({ ...base, peers: 'live', handoffs: 0 })).toEqual({ kind: 'hand-back', pauseMs: 0 });
    const free = DEFAULTS.unknownTaskFreeHandoffs;
    const p = DEFAULTS.unknownTaskHandoffPauseMs;
    const cap = DEFAULTS.unknownTaskHandoffMaxPauseMs;
    const pauses = [0, free - 1, free, free + 1, free + 2, free + 3, free + 4, free + 5, free + 50, 1e9].map(handoffPause);
    expect(pauses).toEqual([0, 0, p, 2 * p, 4 * p, 8 * p, Math.min(16 * p, cap), Math.min(32 * p, cap), cap, cap]);
  });

  it('pauses only briefly while a live worker knows the task, so that worker is not left idle', () => {
    const many = { ...base, handoffs: 1000 };
    expect(decideUnknownTask({ ...many, peers: 'live' })).toEqual({ kind: 'hand-back', pauseMs: DEFAULTS.unknownTaskLivePeerMaxPauseMs });
    expect(decideUnknownTask({ ...many, peers: 'recent' })).toEqual({ kind: 'hand-back', pauseMs: DEFAULTS.unknownTaskHandoffMaxPauseMs });
  });
});
