import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { AUTH_MODES, type AuthMode } from './auth/authenticate.ts';
import { startDashboard } from './dashboard.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';

const USAGE = `celeriac-dashboard: the Celeriac web dashboard

Options (environment variable in brackets):
  --port <n>            listen port [PORT] (default ${DASHBOARD_DEFAULTS.port})
  --host <addr>         listen address (default 0.0.0.0)
  --auth <mode>         token | header | kubeconfig [CELERIAC_DASHBOARD_AUTH] (default token)
                          token: users sign in with a Kubernetes token (TokenReview)
                          header: an auth proxy sets --user-header / --groups-header
                          kubeconfig: local use, everyone acts as the kubeconfig's user
  --user-header <name>  (default X-Remote-User)
  --groups-header <name> (default X-Remote-Group)
  --namespace <ns>      show only this namespace [WATCH_NAMESPACE]
  --nats-url <url>      NATS for queues without spec.nats [NATS_URL]
  --kubeconfig <path>   (default: in-cluster, else KUBECONFIG, else ~/.kube/config)
  --secure-cookies      mark cookies Secure (served over HTTPS)

Example:
  celeriac-dashboard --auth kubeconfig --port 8080 --nats-url nats://127.0.0.1:4222`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      auth: { type: 'string' },
      'user-header': { type: 'string' },
      'groups-header': { type: 'string' },
      namespace: { type: 'string' },
      'nats-url': { type: 'string' },
      kubeconfig: { type: 'string' },
      'secure-cookies': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const auth = (values.auth ?? process.env.CELERIAC_DASHBOARD_AUTH ?? 'token') as AuthMode;
  if (!AUTH_MODES.includes(auth)) {
    console.error(`error: --auth must be one of ${AUTH_MODES.join(', ')}, not ${JSON.stringify(auth)}\n\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port ?? process.env.PORT ?? DASHBOARD_DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: --port must be a port number, not ${JSON.stringify(values.port ?? process.env.PORT)}`);
    return 2;
  }
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  const logger = pino({ name: 'celeriac-dashboard', level: process.env.LOG_LEVEL ?? 'info' });
  const namespace = values.namespace ?? process.env.WATCH_NAMESPACE;
  const natsUrl = values['nats-url'] ?? process.env.NATS_URL;
  const d = await startDashboard({
    kubeConfig: kc,
    auth,
    port,
    logger,
    secureCookies: values['secure-cookies'] ?? false,
    ...(values.host ? { host: values.host } : {}),
    ...(namespace ? { namespace } : {}),
    ...(natsUrl ? { natsUrl } : {}),
    ...(values['user-header'] ? { userHeader: values['user-header'] } : {}),
    ...(values['groups-header'] ? { groupsHeader: values['groups-header'] } : {}),
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await d.close();
  return 0;
}
