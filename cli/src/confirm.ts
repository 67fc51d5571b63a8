import { createInterface } from 'node:readline/promises';
import { CliError } from './errors.ts';

/**
 * Asks before a destructive action unless --yes was given. Without a terminal to ask on (a
 * script, a pipe) it refuses rather than guess: the script must say --yes.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${question} Not confirmed: no terminal to ask on`, 'pass --yes to confirm from a script');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new CliError('cancelled: nothing was changed');
  } finally {
    rl.close();
  }
}
