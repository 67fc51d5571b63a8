// spec.paused on a TaskQueue, against a real API server and nats-server: the operator pauses the
// queue's consumer, shows it in status.paused and the Paused printer column, and resumes it when
// the spec says so; with spec.paused unset, a pause made by hand holds.
import { describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../crds/src/index.ts';
import { isQueuePaused, pauseQueue } from 'celeriac/topology';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';
import { useOperators, freshNamespace, getJson, kubectlOk, useCrds } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';

describe('spec.paused through the operator', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const operators = useOperators(cp);

  useCrds(cp);

  it('pauses and resumes the queue as the spec says, with status.paused and the Paused column', async () => {
    const ns = await freshNamespace(cp());
    await operators.start(nats.server.url, { namespace: ns });
    const queue = `held-${ns}`;
    const q = (paused: string) => `apiVersion: celeriac.dev/v1alpha1\nkind: TaskQueue\nmetadata: {name: held, namespace: ${ns}}\nspec: {queueName: ${queue}${paused}}\n`;
    const statusPaused = async () => (await getJson<TaskQueue>(cp(), ['-n', ns, 'tq/held'])).status?.paused;

    await kubectlOk(cp(), ['apply', '-f', '-'], q(', paused: true'));
    await waitFor(async () => (await statusPaused()) === true, { timeoutMs: 30_000, what: 'status.paused true' });
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);
    const table = await kubectlOk(cp(), ['get', '-n', ns, 'tq/held']);
    expect(table).toMatch(/PAUSED/);
    expect(table).toMatch(/\btrue\b/);

    await kubectlOk(cp(), ['apply', '-f', '-'], q(', paused: false'));
    await waitFor(async () => (await statusPaused()) === false, { timeoutMs: 30_000, what: 'status.paused false' });
    expect(await isQueuePaused(nats.nc, queue)).toBe(false);

    // Unset leaves the queue as it is: a pause made by hand (the CLI) holds and shows in the status;
    // an explicit false then resumes it.
    await kubectlOk(cp(), ['apply', '-f', '-'], q(''));
    await pauseQueue(nats.nc, queue);
    await kubectlOk(cp(), ['annotate', '-n', ns, 'tq/held', 'poke=1']); // a reconcile now, not at the next refresh
    await waitFor(async () => (await statusPaused()) === true, { timeoutMs: 30_000, what: 'hand-made pause in the status' });
    expect(await isQueuePaused(nats.nc, queue)).toBe(true);
    await kubectlOk(cp(), ['apply', '-f', '-'], q(', paused: false'));
    await waitFor(async () => (await statusPaused()) === false, { timeoutMs: 30_000, what: 'resumed by the spec' });
    expect(await isQueuePaused(nats.nc, queue)).toBe(false);
  });
});
