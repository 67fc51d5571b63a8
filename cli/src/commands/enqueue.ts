import { Command } from 'commander';
import { isDuration, parseDuration } from '@celeriac/crds';
import { Client, LaneUnavailableError, declareTask, type EnqueueOptions } from 'celeriac';
import { CliError } from '../errors.ts';
import { renderRecord } from '../output.ts';
import { sessionAction } from '../session-action.ts';

function collectMetadata(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`bad --metadata ${JSON.stringify(value)}`, 'write it as key=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function duration(flag: string) {
  return (value: string): number => {
    if (!isDuration(value)) throw new CliError(`bad ${flag} ${JSON.stringify(value)}`, 'write a duration such as 90s, 5m or 1h30m');
    return parseDuration(value);
  };
}

function instant(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new CliError(`bad --at ${JSON.stringify(value)}`, 'write an RFC 3339 time, e.g. 2026-12-01T09:00:00Z');
  return at;
}

/** The timing flags as enqueue options: only those given. */
function timing(opts: { delay?: number; at?: Date; ttl?: number }): EnqueueOptions {
  if (opts.delay !== undefined && opts.at !== undefined) throw new CliError('--delay and --at both given', 'pass one of them');
  return {
    ...(opts.delay !== undefined ? { delay: opts.delay } : {}),
    ...(opts.at !== undefined ? { runAt: opts.at } : {}),
    ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
  };
}

function parsePriority(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new CliError(`bad --priority ${JSON.stringify(value)}`, 'a level: 0 (lowest, the default) up to the TaskQueue\'s spec.priorities.levels - 1');
  return n;
}

function parsePayload(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new CliError(`the payload is not JSON: ${(e as Error).message}`, `quote it for your shell, e.g. '{"to":"a@b.c"}'`);
  }
}

interface EnqueueFlags {
  id?: string;
  idempotencyKey?: string;
  metadata: Record<string, string>;
  priority?: number;
  fairnessKey?: string;
  delay?: number;
  at?: Date;
  ttl?: number;
}

export function enqueueCommand(): Command {
  return new Command('enqueue')
    .argument('<taskqueue>', 'the TaskQueue to enqueue on')
    .argument('<task>', 'the task name, e.g. email.send')
    .argument('<json>', 'the payload as JSON')
    .option('--id <id>', 'the task id (default: derived from --idempotency-key, else a new UUID)')
    .option('--idempotency-key <key>', 'enqueues with the same key within the duplicate window run once')
    .option('--metadata <key=value>', 'metadata for the task (repeatable)', collectMetadata, {})
    .option('--delay <duration>', 'run no earlier than this long from now (a server-side schedule), e.g. 30s', duration('--delay'))
    .option('--at <time>', 'run no earlier than this RFC 3339 time', instant)
    .option('--ttl <duration>', 'expire unless started within this long from now, e.g. 10m', duration('--ttl'))
    .option('--priority <level>', 'priority level on a queue with spec.priorities: 0 (lowest, the default) to levels - 1', parsePriority)
    .option('--fairness-key <key>', 'fairness key (e.g. a tenant) on a queue with spec.fairness')
    .description('Enqueue one task; prints its id and stream sequence')
    .addHelpText('after', `\nExamples:\n  kubectl celeriac enqueue emails email.send '{"to":"a@example.com"}' --idempotency-key welcome-42 --metadata source=cli\n  kubectl celeriac enqueue emails email.send '{"to":"b@example.com"}' --priority 2 --fairness-key tenant-7\n  kubectl celeriac enqueue reports report.build '{"day":"2026-12-01"}' --delay 10m --ttl 1h`)
    .action(
      sessionAction(async (session, name: string, task: string, json: string, opts: EnqueueFlags) => {
        const payload = parsePayload(json);
        const q = await session.queue(name);
        let declared;
        try {
          declared = declareTask(task);
        } catch (e) {
          throw new CliError((e as Error).message, 'task names are letters, digits, _ and -, separated by dots');
        }
        const client = new Client(q.nc, { queue: q.queue });
        try {
          const handle = await client.enqueue(declared, payload, {
            ...(opts.id ? { id: opts.id } : {}),
            ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
            ...(Object.keys(opts.metadata).length ? { metadata: opts.metadata } : {}),
            ...timing(opts),
            ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
            ...(opts.fairnessKey !== undefined ? { fairnessKey: opts.fairnessKey } : {}),
          }).catch((e: unknown) => {
            if (e instanceof LaneUnavailableError) throw new CliError(e.message, 'see the TaskQueue\'s spec.priorities');
            throw e;
          });
          process.stdout.write(renderRecord(session.flags.output, { id: handle.id, taskqueue: name, task, seq: handle.seq, duplicate: handle.duplicate }));
        } finally {
          await client.close();
        }
      }),
    );
}
