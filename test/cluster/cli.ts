// `npm run cluster [-- --profile cluster --nodes 2 --keep-logs]`: starts the test control plane by
// hand for debugging and keeps it up until Ctrl-C.
import { parseArgs } from 'node:util';
import { startControlPlane, type Profile } from '../support/kube.ts';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'api' },
    nodes: { type: 'string', default: '1' },
    'keep-logs': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || (values.profile !== 'api' && values.profile !== 'cluster')) {
  console.log('usage: npm run cluster [-- --profile api|cluster] [--nodes N] [--keep-logs]');
  process.exit(values.help ? 0 : 2);
}

const cp = await startControlPlane({ profile: values.profile as Profile, nodes: Number(values.nodes) });
const total = Object.values(cp.timings).at(-1) ?? 0;
console.log(`\ncontrol plane (${cp.profile}) ready in ${(total / 1000).toFixed(1)}s: ${cp.server} (Kubernetes ${cp.version})`);
console.log(`  phases (ms since start): ${JSON.stringify(cp.timings)}`);
console.log(`  logs: ${cp.dir}/logs`);
console.log(`  kubectl: ${cp.kubectlPath}\n`);
console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
console.log(`alias kubectl=${cp.kubectlPath}\n`);
console.log('Ctrl-C stops everything.');

let stopping = false;
const stop = async (sig: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${sig}: stopping`);
  await cp.stop({ keepLogs: values['keep-logs'] });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
// The servers are unref'd children; this keeps the CLI alive until a signal arrives.
setInterval(() => {}, 1 << 30);
