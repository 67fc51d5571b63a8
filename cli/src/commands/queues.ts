import { Command } from 'commander';
import { render } from '../output.ts';
import { QUEUE_COLUMNS } from '../queue-row.ts';
import { readQueues } from '../read-queues.ts';
import { sessionAction } from '../session-action.ts';

export function queuesCommand(): Command {
  return new Command('queues')
    .alias('q')
    .description('List TaskQueues with their live backlog, in-flight tasks, dead letters, workers and paused state')
    .addHelpText('after', '\nExamples:\n  kubectl celeriac queues -n shop\n  kubectl celeriac queues -A -o json')
    .action(
      sessionAction(async (session) => {
        const rows = (await readQueues(session)).map((r) => r.row);
        for (const r of rows) if (r.error) process.stderr.write(`warning: taskqueue ${r.name} in namespace ${r.namespace}: live numbers unavailable (${r.error}); showing its status\n`);
        if (rows.length === 0 && session.flags.output === 'table') {
          process.stderr.write(`No taskqueues found in ${session.kube.allNamespaces ? 'any namespace' : `namespace ${session.kube.namespace}`}.\n`);
          return;
        }
        process.stdout.write(render(session.flags.output, rows, QUEUE_COLUMNS));
      }),
    );
}
