import { describe, expect, it } from 'vitest';
import { workerStatusSubject } from 'celeriac/topology';
import { WorkerMonitor } from '../../operator/src/autoscale/io/worker-monitor.ts';
import { useNats } from '../support/use-nats.ts';
import { connectTo, uniqueQueue, waitFor } from '../support/queue.ts';

describe('WorkerMonitor', () => {
  const nats = useNats();
  const beat = (queue: string, name: string, completed: number) =>
    nats.nc.publish(workerStatusSubject(queue, name), JSON.stringify({ name, inFlight: 1, concurrency: 4, completed, ready: true }));

  it('keeps hearing a queue after its connection is replaced (a rotated Secret), keeping the workers seen', async () => {
    const queue = uniqueQueue('monitor');
    const monitor = new WorkerMonitor();
    const before = await connectTo(nats.server.url);
    const after = await connectTo(nats.server.url);
    try {
      monitor.watch(before, queue);
      await before.flush();
      beat(queue, 'pod-a', 3);
      await waitFor(() => monitor.workers(queue).has('pod-a'), { what: 'pod-a on the first connection' });

      await before.close();
      monitor.watch(after, queue);
      await after.flush();
      beat(queue, 'pod-b', 5);
      await waitFor(() => monitor.workers(queue).has('pod-b'), { what: 'pod-b on the new connection' });
      expect(monitor.completedTotal(queue)).toBe(8);
    } finally {
      monitor.close();
      await after.close();
    }
  });
});
