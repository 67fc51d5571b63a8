import { Command } from 'commander';
import { Client, type ResultRecord } from 'celeriac';
import { CliError } from '../errors.ts';
import { renderRecord } from '../output.ts';
import { sessionAction } from '../session-action.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const TIMES = ['enqueuedAt', 'startedAt', 'finishedAt', 'updatedAt', 'retryAt', 'runAt', 'expiresAt'] as const satisfies ReadonlyArray<keyof ResultRecord>;

/** The state first, times as ISO dates. Scripts (-o json|yaml) get the record as stored. */
function forPeople(record: ResultRecord): object {
  const { id, task, state, attempts, ...rest } = record;
  return { id, task, state, attempts, ...rest, ...Object.fromEntries(TIMES.map((k) => [k, iso(record[k])])) };
}

export function taskCommand(): Command {
  return new Command('task')
    .argument('<id>', 'the task id (returned by enqueue)')
    .requiredOption('-q, --queue <taskqueue>', 'the TaskQueue the task was enqueued on')
    .description("Show a task's result record: state, attempts, timings, error, result")
    .addHelpText('after', '\nExample:\n  kubectl celeriac task 0d9c1e2a-... --queue billing -n shop')
    .action(
      sessionAction(async (session, id: string, opts: { queue: string }) => {
        const q = await session.queue(opts.queue);
        const client = new Client(q.nc, { queue: q.queue });
        const record = await client.status(id).finally(() => client.close());
        if (!record) {
          throw new CliError(
            `task ${id} has no result record in taskqueue ${opts.queue} (namespace ${q.namespace})`,
            'it is still waiting for a worker, its record expired (spec.results.ttl), or the id or queue is wrong',
          );
        }
        const shown = session.flags.output === 'table' ? forPeople(record) : record;
        process.stdout.write(renderRecord(session.flags.output, JSON.parse(JSON.stringify(shown)) as object));
      }),
    );
}
