import { spawn, execFile } from 'node:child_process';
import { Command, Option } from 'commander';
import { CliError, firstLine } from '../errors.ts';

/** The chart labels its dashboard Service with these (helm/celeriac/templates/dashboard-deployment.yaml). */
export const DASHBOARD_SELECTOR = 'app.kubernetes.io/part-of=celeriac,app.kubernetes.io/component=dashboard';

export interface ServiceRef {
  namespace: string;
  name: string;
}

const INSTALL_HINT = 'install it with the chart: helm upgrade --install celeriac ./helm/celeriac --set dashboard.enabled=true (or name it with --service and -n)';

/** Pure: the one dashboard Service among those found, or an error that says what to do. */
export function pickDashboardService(found: readonly ServiceRef[], where: string): ServiceRef {
  if (found.length === 0) throw new CliError(`no Celeriac dashboard Service ${where}`, INSTALL_HINT);
  if (found.length > 1) {
    throw new CliError(`${found.length} dashboard Services ${where}: ${found.map((s) => `${s.namespace}/${s.name}`).join(', ')}`, 'choose one with -n <namespace> or --service <name>');
  }
  return found[0]!;
}

interface Flags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  port: number;
  service?: string;
  open: boolean;
}

/** kubectl with the user's --kubeconfig and --context; KUBECTL names another binary. */
function kubectlArgs(f: Flags, args: string[]): string[] {
  return [...(f.kubeconfig ? ['--kubeconfig', f.kubeconfig] : []), ...(f.context ? ['--context', f.context] : []), ...args];
}

const KUBECTL = () => process.env.KUBECTL ?? 'kubectl';

async function findService(f: Flags): Promise<ServiceRef> {
  if (f.service) return { namespace: f.namespace ?? 'default', name: f.service };
  const scope = f.namespace ? ['-n', f.namespace] : ['-A'];
  const out = await new Promise<string>((resolve, reject) =>
    execFile(KUBECTL(), kubectlArgs(f, ['get', 'services', ...scope, '-l', DASHBOARD_SELECTOR, '-o', 'json']), (err, stdout, stderr) => (err ? reject(new CliError(`cannot list Services: ${firstLine(stderr || err)}`, 'check your context and RBAC: kubectl auth can-i list services')) : resolve(stdout))),
  );
  const items = (JSON.parse(out) as { items: Array<{ metadata: { name: string; namespace: string } }> }).items;
  return pickDashboardService(items.map((s) => ({ namespace: s.metadata.namespace, name: s.metadata.name })), f.namespace ? `in namespace ${f.namespace}` : 'in any namespace');
}

function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  // A missing opener (a server, a container) is fine: the URL is printed.
  spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description("Port-forward to the web dashboard's Service and open it in a browser (Ctrl-C stops)")
    .addOption(new Option('--port <n>', 'local port').default(8080).argParser(Number))
    .option('--service <name>', 'the dashboard Service (default: found by its labels, -n or all namespaces)')
    .option('--no-open', 'print the URL only')
    .addHelpText('after', '\nSign in with a Kubernetes token (kubectl create token <serviceaccount>, or your kubeconfig\'s); what you see and may do is your RBAC on TaskQueues.\n\nExamples:\n  kubectl celeriac dashboard\n  kubectl celeriac dashboard -n celeriac --port 9000 --no-open')
    .action(async (_opts: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<Flags>();
      if (!Number.isInteger(f.port) || f.port <= 0 || f.port > 65535) throw new CliError(`bad --port ${String(f.port)}`, 'give a port number, e.g. --port 8080');
      const svc = await findService(f);
      const child = spawn(KUBECTL(), kubectlArgs(f, ['port-forward', '-n', svc.namespace, `service/${svc.name}`, `${f.port}:http`, '--address', '127.0.0.1']), { stdio: ['ignore', 'pipe', 'pipe'] });
      const url = `http://127.0.0.1:${f.port}/`;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        if (!d.toString().includes('Forwarding from')) return;
        process.stdout.write(`Celeriac dashboard (${svc.namespace}/${svc.name}) at ${url}\nSign in with a Kubernetes token, e.g. kubectl create token <serviceaccount> -n <namespace>. Ctrl-C stops.\n`);
        if (f.open) openBrowser(url);
      });
      process.once('SIGINT', () => child.kill('SIGINT'));
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 0)));
      if (code !== 0 && code !== 130) throw new CliError(`kubectl port-forward to service ${svc.name} in namespace ${svc.namespace} failed: ${firstLine(stderr.trim())}`, 'is the dashboard running? kubectl get pods -l app.kubernetes.io/component=dashboard -n ' + svc.namespace);
    });
}
