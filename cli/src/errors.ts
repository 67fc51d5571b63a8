/**
 * An error the user can act on: what went wrong, naming the object, and what to do next. The CLI
 * prints `error: <message>` and the hint on its own line, exits 1, and never prints a stack for it.
 */
export class CliError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.hint = hint;
  }
}

/** The HTTP status of a @kubernetes/client-node error, if it carries one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The first line of an error's message: client errors can be long, and we want one clear line. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
