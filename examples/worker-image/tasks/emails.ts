// Your task code, loaded by the worker image (CMD in ../Dockerfile). `celeriac` comes from the
// image: keep it out of your image's dependencies (a devDependency is fine) so tasks and worker
// share one copy of it.
import { defineTask, PermanentError } from 'celeriac';

export const sendEmail = defineTask(
  'emails.send',
  async (p: { to: string; subject: string }, ctx) => {
    // A PermanentError skips the remaining retries: the task goes to the dead-letter stream.
    if (!p.to.includes('@')) throw new PermanentError(`not an address: ${p.to}`);
    ctx.log.info({ to: p.to }, 'sending email');
    return { accepted: p.to };
  },
  { retry: { maxAttempts: 5 } },
);
