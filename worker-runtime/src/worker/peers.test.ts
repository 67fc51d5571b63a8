import { describe, expect, it } from 'vitest';
import { PeerRegistry } from './peers.ts';

const grace = 60_000;
const beat = (name: string, tasks: string[] | undefined, extra: object = {}) => ({ name, inFlight: 0, concurrency: 1, completed: 0, ready: true, intervalMs: 1000, ...(tasks ? { tasks } : {}), ...extra });

describe('PeerRegistry', () => {
  it('knows a task a live, ready peer announces', () => {
    const r = new PeerRegistry(grace);
    r.observe(beat('new', ['x', 'y']), 0);
    expect(r.knowledge('x', 500)).toBe('live');
    expect(r.knowledge('z', 500)).toBe('none');
  });

  it('counts an unready peer that announces the task as recent, not live', () => {
    const r = new PeerRegistry(grace);
    r.observe(beat('new', ['x'], { ready: false }), 0);
    expect(r.knowledge('x', 0)).toBe('recent');
  });

  it('forgets a silent peer after three intervals, and its tasks after the grace period', () => {
    const r = new PeerRegistry(grace);
    r.observe(beat('new', ['x']), 0);
    expect(r.knowledge('x', 3000)).toBe('live');
    expect(r.knowledge('x', 3001)).toBe('recent');
    expect(r.size(3001)).toBe(0);
    expect(r.knowledge('x', grace)).toBe('recent');
    expect(r.knowledge('x', grace + 1)).toBe('none');
  });

  it('keeps two workers of one name apart by instance', () => {
    const r = new PeerRegistry(grace);
    r.observe(beat('worker', ['x'], { instance: 'a' }), 0);
    r.observe(beat('worker', ['y'], { instance: 'b' }), 0);
    expect(r.knowledge('x', 0)).toBe('live');
    expect(r.knowledge('y', 0)).toBe('live');
  });

  it('takes a live peer that lists no tasks (an older runtime) as one that may know any task', () => {
    const r = new PeerRegistry(grace);
    r.observe(beat('old-runtime', undefined), 0);
    expect(r.knowledge('x', 0)).toBe('recent');
  });

  it('ignores heartbeats that are not worker statuses', () => {
    const r = new PeerRegistry(grace);
    for (const junk of [null, 42, 'x', [], { tasks: ['x'] }, { name: 7, tasks: ['x'] }]) r.observe(junk, 0);
    r.observe(beat('odd', [1, 'x', null] as unknown as string[]), 0);
    expect(r.size(0)).toBe(1);
    expect(r.knowledge('x', 0)).toBe('live');
  });
});
