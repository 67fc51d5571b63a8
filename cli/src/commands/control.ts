import { Command } from 'commander';
import type { NatsConnection } from '@nats-io/nats-core';
import { cancelTask } from 'celeriac';
import { pauseQueue, resumeQueue } from 'celeriac/topology';
import { renderRecord } from '../output.ts';
import { sessionAction } from '../session-action.ts';

function queueCommand(name: 'pause' | 'resume', act: (nc: NatsConnection, queue: string) => Promise<unknown>, description: string): Command {
  return new Command(name)
    .argument('<taskqueue>')
    .description(description)
    .addHelpText('after', `\nExample:\n  kubectl celeriac ${name} billing -n shop`)
    .action(
      sessionAction(async (session, tq: string) => {
        const q = await session.queue(tq);
        await act(q.nc, q.queue);
        process.stdout.write(`${name}d taskqueue ${tq} in namespace ${q.namespace}\n`);
      }),
    );
}

export const pauseCommand = () => queueCommand('pause', pauseQueue, 'Pause the queue: workers take none of its tasks until resume; running tasks finish. A TaskQueue with spec.paused set keeps its own setting at its next reconcile');
export const resumeCommand = () => queueCommand('resume', resumeQueue, 'Let workers take tasks of a paused queue again');

export function cancelCommand(): Command {
  return new Command('cancel')
    .argument('<id>', 'the task id')
    .requiredOption('-q, --queue <taskqueue>', 'the TaskQueue the task was enqueued on')
    .description('Cancel a task that has not finished: a queued or delayed one never runs, a running one sees ctx.signal abort')
    .addHelpText('after', '\nExample:\n  kubectl celeriac cancel 5f0e8a8e-... --queue billing -n shop')
    .action(
      sessionAction(async (session, id: string, opts: { queue: string }) => {
        const q = await session.queue(opts.queue);
        const outcome = await cancelTask(q.nc, q.queue, id);
        process.stdout.write(renderRecord(session.flags.output, { id, outcome }));
      }),
    );
}
