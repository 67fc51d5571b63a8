import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { OperatorConfigError, readOperatorConfig } from './config.ts';
import { startOperator } from './operator.ts';

/** The operator process. Exit codes: 0 after SIGTERM, 2 for a configuration error, 1 otherwise. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let config;
  try {
    config = readOperatorConfig(argv, env);
  } catch (e) {
    pino({ name: 'celeriac-operator' }).fatal({ error: (e as Error).message }, 'invalid configuration');
    return e instanceof OperatorConfigError ? 2 : 1;
  }
  const log = pino({ name: 'celeriac-operator', level: config.logLevel });
  // Nothing a single object does may take the operator down; log it and keep reconciling the rest.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const kc = new KubeConfig();
  kc.loadFromDefault(); // in-cluster service account, or $KUBECONFIG for local runs
  const op = await startOperator(config, kc, log);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info({}, 'stopping');
  await op.stop();
  return 0;
}
