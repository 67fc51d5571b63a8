import { Command } from 'commander';
import { Client } from 'celeriac';
import { CliError } from '../errors.ts';
import { renderRecord } from '../output.ts';
import { sessionAction } from '../session-action.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function taskCommand(): Command {
  return new Command('task')
    .argument('<id>', 'the task id (returned by enqueue)')
    .requiredOption('-q, --queue <taskqueue>', 'the TaskQueue the task was enqueued on')
    .description("Show a task's result record: state, attempts, timings, error, result")
    .addHelpText('after', '\nExample:\n  kubectl celeriac task 0d9c1e2a-... --queue billing -n shop')
    .action(
      sessionAction(async (session, id: string, opts: { queue: string }) => {
        const q = await session.queue(opts.queue);
        const record = await new Client(q.nc, { queue: q.queue }).status(id);
        if (!record) {
          throw new CliError(
            `task ${id} has no result record in taskqueue ${opts.queue} (namespace ${q.namespace})`,
            'it is still waiting for a worker, its record expired (spec.results.ttl), or the id or queue is wrong',
          );
        }
        const shown = session.flags.output === 'table'
          ? { ...record, enqueuedAt: iso(record.enqueuedAt), startedAt: iso(record.startedAt), finishedAt: iso(record.finishedAt), updatedAt: iso(record.updatedAt), retryAt: iso(record.retryAt), runAt: iso(record.runAt), expiresAt: iso(record.expiresAt) }
          : record;
        process.stdout.write(renderRecord(session.flags.output, JSON.parse(JSON.stringify(shown)) as object));
      }),
    );
}
