import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '@celeriac/crds';
import { readRateLimits, removeRateLimit, setRateLimit, type RateLimitEntry } from 'celeriac';
import { render, renderRecord, type Column } from '../output.ts';
import { sessionAction } from '../session-action.ts';

const COLUMNS: readonly Column<RateLimitEntry>[] = [
  { header: 'task', value: (r) => r.task ?? '(queue)' },
  { header: 'limit', value: (r) => r.limit },
  { header: 'period-ms', value: (r) => r.periodMs },
  { header: 'source', value: (r) => r.source ?? '' },
];

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer >= 1');
  return n;
};

interface Options {
  task?: string;
  limit?: number;
  period?: string;
  remove?: boolean;
}

/**
 * `kubectl celeriac rate-limit <taskqueue>`: lists the queue's rate limits; with --limit sets one
 * (workers apply it within a second, no restart), with --remove removes one. A limit the
 * TaskQueue's spec.rateLimits lists is set back by the operator at its next reconcile.
 */
export function rateLimitCommand(): Command {
  return new Command('rate-limit')
    .argument('<taskqueue>')
    .option('--task <name>', 'the task the limit is for; unset: the whole queue')
    .option('--limit <n>', 'set: at most this many starts per period, across all workers', positiveInt)
    .option('--period <duration>', 'the window, e.g. 1s or 1m (default 1s)')
    .option('--remove', 'remove the limit of --task (or the queue-wide one)')
    .description('List, set or remove the rate limits of a queue at run time (spec.rateLimits in the TaskQueue is the declarative way)')
    .addHelpText('after', '\nExamples:\n  kubectl celeriac rate-limit billing -n shop\n  kubectl celeriac rate-limit billing --task email.send --limit 100 --period 1s\n  kubectl celeriac rate-limit billing --task email.send --remove')
    .action(
      sessionAction(async (session, tq: string, opts: Options) => {
        const q = await session.queue(tq);
        const scope = opts.task === undefined ? {} : { task: opts.task };
        if (opts.remove) {
          await removeRateLimit(q.nc, q.queue, scope);
          process.stdout.write(`removed rate limit of ${opts.task ?? 'the queue'} on taskqueue ${tq}\n`);
        } else if (opts.limit !== undefined) {
          const set = await setRateLimit(q.nc, q.queue, scope, { limit: opts.limit, periodMs: opts.period ? parseDuration(opts.period) : 1000 });
          process.stdout.write(renderRecord(session.flags.output, { taskqueue: tq, ...scope, ...set }));
        } else {
          process.stdout.write(render(session.flags.output, await readRateLimits(q.nc, q.queue), COLUMNS));
        }
      }),
    );
}
