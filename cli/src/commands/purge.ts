import { Command } from 'commander';
import { jetstreamManager } from '@nats-io/jetstream';
import { queueNames } from 'celeriac/protocol';
import { confirm } from '../confirm.ts';
import { sessionAction } from '../session-action.ts';

export function purgeCommand(): Command {
  return new Command('purge')
    .argument('<taskqueue>')
    .option('-y, --yes', 'do not ask for confirmation')
    .description('Delete every task waiting or running on the queue (schedules and dead letters stay)')
    .addHelpText('after', '\nExample:\n  kubectl celeriac purge billing -n shop --yes')
    .action(
      sessionAction(async (session, name: string, opts: { yes?: boolean }) => {
        const q = await session.queue(name);
        const jsm = await jetstreamManager(q.nc);
        const names = queueNames(q.queue);
        const consumer = await jsm.consumers.info(names.stream, names.consumer);
        await confirm(`Delete ${consumer.num_pending + consumer.num_ack_pending} tasks of taskqueue ${name} in namespace ${q.namespace}?`, opts.yes);
        // Only the task subjects: the stream also holds server-side schedules (sched.>), which a
        // purge of the queue's backlog must not cancel.
        const r = await jsm.streams.purge(names.stream, { filter: names.taskSubjects });
        process.stdout.write(`purged ${r.purged} tasks of taskqueue ${name}\n`);
      }),
    );
}
