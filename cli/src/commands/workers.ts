import { Command, Option } from 'commander';
import type { WorkerStatus } from 'celeriac/topology';
import { workerStatusSubject } from 'celeriac/topology';
import { firstLine } from '../errors.ts';
import { render, type Column } from '../output.ts';
import { sessionAction } from '../session-action.ts';
import type { Session } from '../session.ts';

interface WorkerRow extends WorkerStatus {
  namespace: string;
  taskqueue: string;
}

const COLUMNS: readonly Column<WorkerRow>[] = [
  { header: 'namespace', value: (r) => r.namespace },
  { header: 'taskqueue', value: (r) => r.taskqueue },
  { header: 'name', value: (r) => r.name },
  { header: 'ready', value: (r) => r.ready },
  { header: 'in-flight', value: (r) => `${r.inFlight}/${r.concurrency}` },
  { header: 'completed', value: (r) => r.completed },
  { header: 'tasks', value: (r) => r.tasks },
];

/**
 * Workers announce themselves every second on `celeriac.<queue>.workers.<name>` (core NATS, not
 * stored), so listing them means listening a little longer than one beat.
 */
async function listen(session: Session, names: string[] | undefined, listenMs: number): Promise<WorkerRow[]> {
  const queues = names ? await Promise.all(names.map((n) => session.kube.getQueue(n))) : await session.kube.listQueues();
  const seen = new Map<string, WorkerRow>();
  await Promise.all(
    queues.map(async (tq) => {
      let open;
      try {
        open = await session.open(tq);
      } catch (e) {
        if (names) throw e;
        process.stderr.write(`warning: taskqueue ${tq.metadata.name}: ${firstLine(e)}\n`);
        return;
      }
      const sub = open.nc.subscribe(workerStatusSubject(open.queue));
      setTimeout(() => sub.unsubscribe(), listenMs);
      for await (const m of sub) {
        try {
          const s = m.json<WorkerStatus>();
          seen.set(`${open.namespace}/${tq.metadata.name}/${s.instance ?? s.name}`, { namespace: open.namespace, taskqueue: tq.metadata.name, ...s });
        } catch {
          // not a heartbeat: ignore
        }
      }
    }),
  );
  return [...seen.values()].sort((a, b) => `${a.namespace}/${a.taskqueue}/${a.name}`.localeCompare(`${b.namespace}/${b.taskqueue}/${b.name}`));
}

export function workersCommand(): Command {
  return new Command('workers')
    .alias('w')
    .argument('[taskqueue...]', 'TaskQueues to look at (default: all in scope)')
    .description('List live workers from their heartbeats: in-flight tasks, tasks completed, ready, task names')
    .addOption(new Option('--listen <ms>', 'how long to listen for heartbeats (workers beat every second)').default(1500).argParser(Number))
    .addHelpText('after', '\nExamples:\n  kubectl celeriac workers -n shop\n  kubectl celeriac workers billing -o json')
    .action(
      sessionAction(async (session, names: string[], opts: { listen: number }) => {
        const rows = await listen(session, names.length ? names : undefined, opts.listen);
        if (rows.length === 0 && session.flags.output === 'table') {
          process.stderr.write(`No worker heartbeats heard in ${opts.listen} ms.\n`);
          return;
        }
        process.stdout.write(render(session.flags.output, rows.map(({ at: _at, ...r }: WorkerRow & { at?: number }) => r), COLUMNS));
      }),
    );
}
