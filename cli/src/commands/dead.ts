import { Command } from 'commander';
import { jetstreamManager } from '@nats-io/jetstream';
import { getDeadLetter, listDeadLetters, replayDeadLetter, type DeadLetter } from 'celeriac';
import { queueNames } from 'celeriac/protocol';
import { isNotFound } from 'celeriac/topology';
import { confirm } from '../confirm.ts';
import { CliError, firstLine } from '../errors.ts';
import { render, renderRecord, type Column } from '../output.ts';
import { sessionAction } from '../session-action.ts';

const COLUMNS: readonly Column<DeadLetter>[] = [
  { header: 'seq', value: (d) => d.seq },
  { header: 'subject', value: (d) => d.subject },
  { header: 'reason', value: (d) => d.reason },
  { header: 'attempts', value: (d) => d.attempts },
  { header: 'dead at', value: (d) => d.deadAt },
  { header: 'error', value: (d) => d.error.slice(0, 80) },
];

/** A dead letter for printing: headers as an object, the body as JSON when it is JSON. */
function shown(d: DeadLetter): object {
  const text = new TextDecoder().decode(d.data);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: show the text
  }
  const headers = Object.fromEntries([...(d.headers ?? [])].map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  return { seq: d.seq, subject: d.subject, reason: d.reason, error: d.error, attempts: d.attempts, deadAt: d.deadAt, headers, body };
}

function parseSeq(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`bad sequence ${JSON.stringify(value)}`, 'kubectl celeriac dead list <taskqueue> shows the sequences');
  return n;
}

const notFound = (seq: number, queue: string) =>
  new CliError(`no dead letter ${seq} in taskqueue ${queue}`, `kubectl celeriac dead list ${queue} shows what is there`);

export function deadCommand(): Command {
  const dead = new Command('dead')
    .description('Inspect, replay and purge dead letters (tasks that failed for good)')
    .addHelpText('after', '\nExamples:\n  kubectl celeriac dead list billing\n  kubectl celeriac dead replay billing --all');
  dead
    .command('list')
    .argument('<taskqueue>')
    .option('--limit <n>', 'show at most this many, oldest first', Number, 100)
    .description('List dead letters, oldest first')
    .addHelpText('after', '\nExample:\n  kubectl celeriac dead list billing -n shop')
    .action(
      sessionAction(async (session, name: string, opts: { limit: number }) => {
        const q = await session.queue(name);
        const list = await listDeadLetters(q.nc, q.queue, opts.limit);
        if (list.length === 0 && session.flags.output === 'table') {
          process.stderr.write(`No dead letters in taskqueue ${name}.\n`);
          return;
        }
        process.stdout.write(session.flags.output === 'table' ? render('table', list, COLUMNS) : render(session.flags.output, list.map(shown), []));
      }),
    );
  dead
    .command('show')
    .argument('<taskqueue>')
    .argument('<seq>', 'the sequence from dead list')
    .description('Show one dead letter: error, attempts, headers and payload')
    .addHelpText('after', '\nExample:\n  kubectl celeriac dead show billing 17')
    .action(
      sessionAction(async (session, name: string, seqText: string) => {
        const seq = parseSeq(seqText);
        const q = await session.queue(name);
        const d = await getDeadLetter(q.nc, q.queue, seq).catch((e: unknown) => {
          throw isNotFound(e) ? e : notFound(seq, name);
        });
        process.stdout.write(renderRecord(session.flags.output, shown(d)));
      }),
    );
  dead
    .command('replay')
    .argument('<taskqueue>')
    .argument('[seq]', 'the sequence from dead list')
    .option('--all', 'replay every dead letter of the queue')
    .description('Send dead letters back to their queue with a fresh attempt count')
    .addHelpText('after', '\nExamples:\n  kubectl celeriac dead replay billing 17\n  kubectl celeriac dead replay billing --all')
    .action(
      sessionAction(async (session, name: string, seqText: string | undefined, opts: { all?: boolean }) => {
        if (!seqText && !opts.all) throw new CliError('say which dead letter to replay', `give a sequence (kubectl celeriac dead list ${name}) or --all`);
        if (seqText && opts.all) throw new CliError('give a sequence or --all, not both');
        const q = await session.queue(name);
        const seqs = opts.all ? (await listDeadLetters(q.nc, q.queue, Number.MAX_SAFE_INTEGER)).map((d) => d.seq) : [parseSeq(seqText!)];
        const replayed: Array<{ deadSeq: number; taskSeq: number }> = [];
        const failed: Array<{ deadSeq: number; error: string }> = [];
        for (const seq of seqs) {
          try {
            replayed.push({ deadSeq: seq, taskSeq: (await replayDeadLetter(q.nc, q.queue, seq)).seq });
          } catch (e) {
            if (!opts.all) throw /no message found/i.test(firstLine(e)) ? notFound(seq, name) : new CliError(`cannot replay dead letter ${seq} of taskqueue ${name}: ${firstLine(e)}`);
            failed.push({ deadSeq: seq, error: firstLine(e) });
          }
        }
        if (session.flags.output === 'table') {
          for (const r of replayed) process.stdout.write(`replayed dead letter ${r.deadSeq} as task message ${r.taskSeq}\n`);
          for (const f of failed) process.stderr.write(`could not replay dead letter ${f.deadSeq}: ${f.error}\n`);
        } else {
          process.stdout.write(renderRecord(session.flags.output, { replayed, failed }));
        }
        if (failed.length > 0) process.exitCode = 1;
      }),
    );
  dead
    .command('purge')
    .argument('<taskqueue>')
    .option('-y, --yes', 'do not ask for confirmation')
    .description('Delete every dead letter of the queue')
    .addHelpText('after', '\nExample:\n  kubectl celeriac dead purge billing --yes')
    .action(
      sessionAction(async (session, name: string, opts: { yes?: boolean }) => {
        const q = await session.queue(name);
        const jsm = await jetstreamManager(q.nc);
        const stream = queueNames(q.queue).deadLetterStream;
        const info = await jsm.streams.info(stream);
        await confirm(`Delete ${info.state.messages} dead letters of taskqueue ${name} in namespace ${q.namespace}?`, opts.yes);
        const r = await jsm.streams.purge(stream);
        process.stdout.write(`purged ${r.purged} dead letters of taskqueue ${name}\n`);
      }),
    );
  return dead;
}
