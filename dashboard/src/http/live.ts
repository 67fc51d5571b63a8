import type { Hub } from '../state/hub.ts';
import type { RequestContext } from './context.ts';
import type { Reads } from './pages.ts';

/**
 * Server-Sent Events: after every poll of the shared loop, the overview (no `q`) or one queue's
 * detail (`q=<namespace>/<name>`), as the user may see it. A stream keeps the loop running; the
 * browser reconnects by itself (EventSource) after a restart of the dashboard.
 */
export async function live(ctx: RequestContext, reads: Reads, hub: Hub): Promise<void> {
  const q = ctx.url.searchParams.get('q');
  let read: () => Promise<unknown>;
  if (q) {
    const [ns = '', name = ''] = q.split('/');
    const w = await reads.queue(ctx, ns, name);
    read = async () => reads.detail(w);
  } else {
    read = () => reads.summaries(ctx);
  }
  const { req, res } = ctx;
  res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  let busy = false;
  const push = async () => {
    if (busy) return; // a slow client skips a beat rather than queueing them
    busy = true;
    try {
      res.write(`data: ${JSON.stringify(await read())}\n\n`);
    } catch {
      // a failed read (RBAC review, ...) skips this beat; the next one tries again
    } finally {
      busy = false;
    }
  };
  await push();
  const unsubscribe = hub.subscribe(() => void push());
  req.on('close', unsubscribe);
}
