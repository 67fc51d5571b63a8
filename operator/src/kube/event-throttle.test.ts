import { describe, expect, it } from 'vitest';
import { EventThrottle } from './event-throttle.ts';

describe('EventThrottle', () => {
  it('sends one Event per key per window and counts the ones held back into the next', () => {
    let now = 0;
    const throttle = new EventThrottle(10_000, () => now);
    expect(throttle.admit('ns/WorkerPool/p/Scaled')).toEqual({ send: true, suppressed: 0 });
    for (let i = 1; i <= 9; i++) {
      now = i * 1000;
      expect(throttle.admit('ns/WorkerPool/p/Scaled')).toEqual({ send: false });
    }
    // Another reason or object has its own window.
    expect(throttle.admit('ns/WorkerPool/p/WorkersReady')).toEqual({ send: true, suppressed: 0 });
    expect(throttle.admit('ns/WorkerPool/q/Scaled')).toEqual({ send: true, suppressed: 0 });
    now = 10_000;
    expect(throttle.admit('ns/WorkerPool/p/Scaled')).toEqual({ send: true, suppressed: 9 });
    expect(throttle.admit('ns/WorkerPool/p/Scaled')).toEqual({ send: false });
  });

  it('forgets keys that have been quiet for a window', () => {
    let now = 0;
    const throttle = new EventThrottle(10_000, () => now);
    for (let i = 0; i < 100; i++) throttle.admit(`ns/TaskQueue/q${i}/QueueReady`);
    expect(throttle.size).toBe(100);
    now = 20_000;
    throttle.admit('ns/TaskQueue/other/QueueReady');
    expect(throttle.size).toBe(1);
  });
});
