import { Command } from 'commander';
import type { NatsConnection } from '@nats-io/nats-core';
import { CliError } from '../errors.ts';
import { renderRecord } from '../output.ts';
import { sessionAction } from '../session-action.ts';

type QueueAction = (nc: NatsConnection, queue: string) => Promise<unknown>;
type TaskAction = (nc: NatsConnection, queue: string, id: string) => Promise<unknown>;

/**
 * pauseQueue/resumeQueue (celeriac/topology) and cancelTask (celeriac) land with the pause and
 * cancel work, in parallel with this CLI. Looked up at run time, so the CLI builds and runs
 * without them and says so; once they are on main these can become plain imports.
 */
async function lateExport<F>(module: 'celeriac' | 'celeriac/topology', name: string): Promise<F> {
  const exports = (await import(module)) as Record<string, unknown>;
  const f = exports[name];
  if (typeof f !== 'function') throw new CliError(`this build of celeriac has no ${name} yet`, 'update Celeriac to a version with pause, resume and cancel');
  return f as F;
}

function queueCommand(name: 'pause' | 'resume', exported: string, description: string): Command {
  return new Command(name)
    .argument('<taskqueue>')
    .description(description)
    .addHelpText('after', `\nExample:\n  kubectl celeriac ${name} billing -n shop`)
    .action(
      sessionAction(async (session, tq: string) => {
        const act = await lateExport<QueueAction>('celeriac/topology', exported);
        const q = await session.queue(tq);
        await act(q.nc, q.queue);
        process.stdout.write(`${name}d taskqueue ${tq} in namespace ${q.namespace}\n`);
      }),
    );
}

export const pauseCommand = () => queueCommand('pause', 'pauseQueue', 'Pause the queue: workers take none of its tasks until resume (needs pauseQueue in celeriac)');
export const resumeCommand = () => queueCommand('resume', 'resumeQueue', 'Let workers take tasks of a paused queue again (needs resumeQueue in celeriac)');

export function cancelCommand(): Command {
  return new Command('cancel')
    .argument('<id>', 'the task id')
    .requiredOption('-q, --queue <taskqueue>', 'the TaskQueue the task was enqueued on')
    .description('Cancel a task that has not finished (needs cancelTask in celeriac)')
    .addHelpText('after', '\nExample:\n  kubectl celeriac cancel 5f0e8a8e-... --queue billing -n shop')
    .action(
      sessionAction(async (session, id: string, opts: { queue: string }) => {
        const cancel = await lateExport<TaskAction>('celeriac', 'cancelTask');
        const q = await session.queue(opts.queue);
        const outcome = await cancel(q.nc, q.queue, id);
        process.stdout.write(renderRecord(session.flags.output, typeof outcome === 'object' && outcome !== null ? outcome : { id, cancelled: outcome ?? true }));
      }),
    );
}
