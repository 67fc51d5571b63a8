// Task definitions: imported by the producer (type-safe enqueue) and loaded by the worker.
import { defineTask, PermanentError } from 'celeriac';

export const sendWelcome = defineTask(
  'email.welcome',
  async (p: { to: string; name: string }, ctx) => {
    if (!p.to.includes('@')) throw new PermanentError(`not an address: ${p.to}`);
    ctx.log.info({ to: p.to }, 'sending welcome email');
    return { messageId: `msg-${ctx.id}` };
  },
  { retry: { maxAttempts: 3 }, timeoutMs: 10_000 },
);

export const resize = defineTask('images.resize', async (p: { url: string; width: number }) => {
  await new Promise((r) => setTimeout(r, 5)); // stand-in for real work
  return { url: p.url.replace(/(\.\w+)$/, `-${p.width}w$1`) };
});
