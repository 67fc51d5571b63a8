import { describe, expect, it } from 'vitest';
import { workerPool } from '../test-fixtures.ts';
import { desiredPoolStatus } from './status.ts';

const now = new Date('2026-11-25T12:00:00Z');
const ready = (s: ReturnType<typeof desiredPoolStatus>) => s.conditions?.find((c) => c.type === 'Ready');

describe('desiredPoolStatus', () => {
  it('names the missing queue', () => {
    const s = desiredPoolStatus(workerPool('p'), { kind: 'queue-missing', queue: 'emails' }, now);
    expect(s.conditions?.find((c) => c.type === 'QueueFound')).toMatchObject({ status: 'False', reason: 'QueueNotFound' });
    expect(ready(s)?.message).toContain('TaskQueue emails does not exist');
    expect(s.selector).toBe('celeriac.dev/pool=p');
  });

  it.each([
    [0, 0, 'True', 'ScaledToZero'],
    [3, 3, 'True', 'WorkersReady'],
    [3, 1, 'False', 'WorkersStarting'],
  ])('with %i wanted and %i ready is Ready=%s (%s)', (want, readyCount, status, reason) => {
    const deployment = { spec: { replicas: want, selector: { matchLabels: {} }, template: {} }, status: { replicas: want, readyReplicas: readyCount } };
    const s = desiredPoolStatus(workerPool('p'), { kind: 'deployed', queue: 'emails', deployment }, now);
    expect(ready(s)).toMatchObject({ status, reason });
    expect(s).toMatchObject({ desiredReplicas: want, readyReplicas: readyCount });
  });
});
