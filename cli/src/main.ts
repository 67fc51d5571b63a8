import { Command, CommanderError, Option } from 'commander';
import { cancelCommand, pauseCommand, resumeCommand } from './commands/control.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { rateLimitCommand } from './commands/rate-limit.ts';
import { deadCommand } from './commands/dead.ts';
import { enqueueCommand } from './commands/enqueue.ts';
import { purgeCommand } from './commands/purge.ts';
import { queuesCommand } from './commands/queues.ts';
import { taskCommand } from './commands/task.ts';
import { topCommand } from './commands/top.ts';
import { workersCommand } from './commands/workers.ts';
import { CliError } from './errors.ts';
import { OUTPUT_FORMATS } from './output.ts';

const CONNECTING = `
Connecting:
  Kubernetes: like kubectl (--kubeconfig, else KUBECONFIG, else ~/.kube/config; --context; -n, -A).
  TaskQueues and WorkerPools are read with your own credentials, so RBAC decides what you see.
  NATS: each queue's own settings (spec.nats.url, credentials from its spec.nats.secretRef
  Secret, read with your credentials); queues without spec.nats use --nats-url or NATS_URL.
  Outside the cluster the in-cluster NATS name does not resolve: port-forward and pass the URL,
    kubectl port-forward -n nats svc/nats 4222 &
    kubectl celeriac queues --nats-url nats://127.0.0.1:4222
  Credentials are never printed.`;

export function program(): Command {
  const root = new Command('kubectl-celeriac')
    .description('Look at and act on Celeriac task queues: queues, workers, tasks, dead letters, a live top')
    .option('--kubeconfig <path>', 'path to the kubeconfig file')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'the namespace (default: the context\'s, else default)')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('--nats-url <url>', 'NATS URL to use instead of the queue\'s (e.g. through kubectl port-forward); env NATS_URL for queues without spec.nats')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', `${CONNECTING}\n\nExamples:\n  kubectl celeriac queues -A\n  kubectl celeriac top -n shop\n  kubectl celeriac dead replay billing --all`)
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride();
  for (const cmd of [queuesCommand(), workersCommand(), taskCommand(), enqueueCommand(), deadCommand(), purgeCommand(), pauseCommand(), resumeCommand(), cancelCommand(), rateLimitCommand(), topCommand(), dashboardCommand()]) {
    root.addCommand(cmd);
  }
  // Subcommands inherit the exit override (so main decides the exit code) and the error hint.
  const inherit = (c: Command) => {
    c.exitOverride().showHelpAfterError('(add --help for usage and examples)');
    c.commands.forEach(inherit);
  };
  root.commands.forEach(inherit);
  return root;
}

/** Runs the CLI; resolves with the process exit code. Errors the user can act on print without a stack. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander printed the message or help
    if (e instanceof CliError) {
      process.stderr.write(`error: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`);
      return 1;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
