import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { handBackDelayMs, keyWaitsOf } from './hand-back.ts';

describe('hand-back of a task waiting for its key', () => {
  it('waits 250 ms after the first wait, doubling per hand-back up to 15 s', () => {
    const top = () => 1; // no jitter taken off
    expect([0, 1, 2, 3, 10, 100].map((w) => handBackDelayMs(w, top))).toEqual([250, 500, 1000, 2000, DEFAULTS.keyHandbackMaxDelayMs, DEFAULTS.keyHandbackMaxDelayMs]);
  });

  it('jitters each delay down by up to half, so copies of one burst spread out', () => {
    expect(handBackDelayMs(2, () => 0)).toBe(500);
    expect(handBackDelayMs(2, () => 0.5)).toBe(750);
  });

  it.each([
    [undefined, 0],
    ['3', 3],
    ['-1', 0],
    ['x', 0],
    ['1.5', 0],
  ])('reads Celeriac-Key-Waits %j as %i', (header, want) => {
    expect(keyWaitsOf(header)).toBe(want);
  });
});
