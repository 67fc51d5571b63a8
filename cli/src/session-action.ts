import type { Command } from 'commander';
import { parseOutputFormat } from './output.ts';
import { Session } from './session.ts';

/**
 * A commander action that runs with a Session built from the global flags and always closes it
 * (NATS connections would otherwise keep the process alive). Commander passes the positional
 * arguments, then the options, then the command itself.
 */
export function sessionAction<A extends unknown[]>(fn: (session: Session, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const o = cmd.optsWithGlobals<{ kubeconfig?: string; context?: string; namespace?: string; allNamespaces?: boolean; natsUrl?: string; output: string }>();
    const session = new Session({
      kubeconfig: o.kubeconfig,
      context: o.context,
      namespace: o.namespace,
      allNamespaces: o.allNamespaces,
      natsUrl: o.natsUrl,
      output: parseOutputFormat(o.output),
    });
    try {
      await fn(session, ...(args.slice(0, -1) as A));
    } catch (e) {
      throw session.explain(e);
    } finally {
      await session.close();
    }
  };
}
