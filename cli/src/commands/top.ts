import { emitKeypressEvents } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { formatTable, render, type Column } from '../output.ts';
import { QUEUE_COLUMNS, type QueueRow } from '../queue-row.ts';
import { ratesBetween, type Rates, type Sample } from '../rates.ts';
import { readQueues } from '../read-queues.ts';
import { sessionAction } from '../session-action.ts';

type TopRow = QueueRow & { rates: Rates | undefined };

const rate = (n: number | undefined) => (n === undefined ? '' : n.toFixed(1));
const COLUMNS: readonly Column<TopRow>[] = [
  ...QUEUE_COLUMNS.slice(0, 4),
  { header: 'in/s', value: (r) => rate(r.rates?.arrival) },
  { header: 'done/s', value: (r) => rate(r.rates?.completion) },
  ...QUEUE_COLUMNS.slice(4),
];

const CLEAR = '\x1b[2J\x1b[H';

/** Aborts `stop` when the user presses q or Ctrl-C on a terminal (raw mode: Ctrl-C arrives as a key). */
function quitKey(stop: AbortController): void {
  if (!process.stdin.isTTY) return;
  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.on('keypress', (_s: string, key: { name?: string; ctrl?: boolean }) => {
    if (key.name === 'q' || (key.ctrl && key.name === 'c')) stop.abort();
  });
  stop.signal.addEventListener('abort', () => {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  });
}

export function topCommand(): Command {
  return new Command('top')
    .description('A live view of the queues, refreshed every second: backlog, arrival and completion rates, dead letters, workers (q or Ctrl-C quits)')
    .addOption(new Option('--interval <ms>', 'refresh interval').default(1000).argParser(Number))
    .addOption(new Option('--iterations <n>', 'stop after this many refreshes (for scripts; default: until q)').argParser(Number))
    .addHelpText('after', '\nExamples:\n  kubectl celeriac top -A\n  kubectl celeriac top -n shop --iterations 3 -o json')
    .action(
      sessionAction(async (session, opts: { interval: number; iterations?: number }) => {
        const stop = new AbortController();
        quitKey(stop);
        process.once('SIGINT', () => stop.abort());
        const samples = new Map<string, Sample>();
        const live = process.stdout.isTTY && session.flags.output === 'table';
        for (let i = 0; opts.iterations === undefined || i < opts.iterations; i++) {
          if (i > 0) await sleep(opts.interval, undefined, { signal: stop.signal }).catch(() => undefined);
          if (stop.signal.aborted) break;
          const at = Date.now();
          const rows: TopRow[] = (await readQueues(session)).map(({ row, lastSeq }) => {
            const key = `${row.namespace}/${row.name}`;
            const sample = lastSeq === undefined || row.backlog === undefined ? undefined : { at, lastSeq, backlog: row.backlog };
            const rates = sample ? ratesBetween(samples.get(key), sample) : undefined;
            if (sample) samples.set(key, sample);
            return { ...row, rates };
          });
          if (session.flags.output === 'table') {
            process.stdout.write(`${live ? CLEAR : ''}celeriac top · ${new Date(at).toISOString()} · ${session.kube.allNamespaces ? 'all namespaces' : `namespace ${session.kube.namespace}`}\n\n${formatTable(rows, COLUMNS)}\n`);
          } else {
            // One document per refresh: a JSON line each for -o json, a YAML document each for -o yaml.
            process.stdout.write(session.flags.output === 'json' ? JSON.stringify({ at, queues: rows }) + '\n' : `---\n${render('yaml', { at, queues: rows }, [])}`);
          }
        }
        stop.abort();
      }),
    );
}
