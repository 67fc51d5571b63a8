import { Client } from 'celeriac';
import { readSchedules } from 'celeriac/topology';
import { ACTIONS } from '../auth/rbac.ts';
import type { Authorizer } from '../auth/authorize.ts';
import { DASHBOARD_DEFAULTS } from '../defaults.ts';
import { recentDeadLetters, deadLetterPage } from '../state/dead-letters.ts';
import type { Hub } from '../state/hub.ts';
import { detail, poolSummary, summarize, type QueueSummary } from '../state/model.ts';
import type { QueueWatch } from '../state/queue-watch.ts';
import { deadLettersPage } from '../views/dead.ts';
import { overviewPage } from '../views/overview.ts';
import { queuePage } from '../views/queue.ts';
import { taskPage, type TaskLookup } from '../views/task.ts';
import { taskListPage, TASK_STATES } from '../views/tasks.ts';
import { listTasks } from '../state/task-list.ts';
import type { RequestContext } from './context.ts';
import { HttpError, sendHtml, sendJson } from './request.ts';

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Reads for pages and the JSON API, each filtered by the user's RBAC. */
export class Reads {
  private readonly hub: Hub;
  private readonly authz: Authorizer;
  constructor(hub: Hub, authz: Authorizer) {
    this.hub = hub;
    this.authz = authz;
  }

  /** The queues the user may list (RBAC `list taskqueues`, asked once per namespace). */
  async visible(ctx: RequestContext): Promise<QueueWatch[]> {
    await this.hub.fresh();
    const all = this.hub.queues();
    const namespaces = [...new Set(all.map((w) => w.namespace))];
    const ok = new Set((await Promise.all(namespaces.map(async (ns) => ((await this.authz.can(ctx.who, 'list', ns)) ? ns : undefined)))).filter((n) => n !== undefined));
    return all.filter((w) => ok.has(w.namespace));
  }

  async summaries(ctx: RequestContext): Promise<{ queues: QueueSummary[]; pools: ReturnType<typeof poolSummary>[] }> {
    const watches = await this.visible(ctx);
    const namespaces = new Set(watches.map((w) => w.namespace));
    const pools = this.hub.pools();
    return { queues: watches.map((w) => summarize(w, pools)), pools: pools.filter((p) => namespaces.has(p.metadata.namespace ?? 'default')).map(poolSummary) };
  }

  /** One queue the user may `get`; 404 for one that does not exist or they may not see (no hint either way). */
  async queue(ctx: RequestContext, namespace: string, name: string): Promise<QueueWatch> {
    await this.hub.fresh();
    const w = this.hub.find(namespace, name);
    if (!w || !(await this.authz.can(ctx.who, 'view', namespace, name))) throw new HttpError(404, `no taskqueue ${name} in namespace ${namespace} that you may see`);
    return w;
  }

  detail(w: QueueWatch) {
    return detail(w, this.hub.pools(), Date.now());
  }
}

export async function overview(ctx: RequestContext, reads: Reads, hub: Hub, json: boolean): Promise<void> {
  const s = await reads.summaries(ctx);
  if (json) return sendJson(ctx.res, 200, s);
  sendHtml(ctx.res, 200, overviewPage(ctx.page, s.queues, s.pools, hub.objectsError));
}

export async function queue(ctx: RequestContext, reads: Reads, authz: Authorizer, w: QueueWatch, json: boolean): Promise<void> {
  const d = reads.detail(w);
  const allowed = await authz.allowed(ctx.who, ACTIONS, w.namespace, w.name);
  if (json) return sendJson(ctx.res, 200, { ...d, allowed: [...allowed] });
  const nc = w.nc;
  const [failures, schedules] = nc
    ? await Promise.all([recentDeadLetters(nc, w.queue, DASHBOARD_DEFAULTS.recentFailures).catch(() => []), readSchedules(nc, w.queue, 'periodic.>').catch(() => [])])
    : [[], []];
  sendHtml(ctx.res, 200, queuePage(ctx.page, { detail: d, allowed, failures, schedules }));
}

export async function deadLetters(ctx: RequestContext, authz: Authorizer, w: QueueWatch, json: boolean): Promise<void> {
  if (!w.nc) throw new HttpError(503, `NATS of taskqueue ${w.name} is not reachable: ${w.error ?? 'not connected yet'}`);
  const from = Number(ctx.url.searchParams.get('from') ?? 1);
  const page = await deadLetterPage(w.nc, w.queue, Number.isSafeInteger(from) && from > 0 ? from : 1, DASHBOARD_DEFAULTS.deadLetterPage);
  if (json) return sendJson(ctx.res, 200, page);
  const allowed = await authz.allowed(ctx.who, ACTIONS, w.namespace, w.name);
  sendHtml(ctx.res, 200, deadLettersPage(ctx.page, w, page.rows, page.next, allowed));
}

/** Tasks of a queue by state (`?state=failed`), a page at a time (`&from=<seq>`), from its results bucket. */
export async function tasks(ctx: RequestContext, w: QueueWatch, json: boolean): Promise<void> {
  if (!w.nc) throw new HttpError(503, `NATS of taskqueue ${w.name} is not reachable: ${w.error ?? 'not connected yet'}`);
  const state = ctx.url.searchParams.get('state') || undefined;
  if (state !== undefined && !(TASK_STATES as readonly string[]).includes(state)) throw new HttpError(400, `no task state ${state}: one of ${TASK_STATES.join(', ')}`);
  const from = Number(ctx.url.searchParams.get('from') ?? 1);
  const page = await listTasks(w.nc, w.queue, {
    state: state as (typeof TASK_STATES)[number] | undefined,
    from: Number.isSafeInteger(from) && from > 0 ? from : 1,
    limit: DASHBOARD_DEFAULTS.taskPage,
    scanLimit: DASHBOARD_DEFAULTS.taskScanLimit,
  });
  if (json) return sendJson(ctx.res, 200, page);
  sendHtml(ctx.res, 200, taskListPage(ctx.page, w, state, page));
}

/** Task lookup by id: the result record from the queue's results bucket. */
export async function task(ctx: RequestContext, reads: Reads, authz: Authorizer, json: boolean, forced?: { q: string; id: string }): Promise<void> {
  const q = forced?.q ?? ctx.url.searchParams.get('q') ?? '';
  const id = (forced?.id ?? ctx.url.searchParams.get('id') ?? '').trim();
  const visible = await reads.visible(ctx);
  let lookup: TaskLookup | undefined;
  let allowed = new Set<(typeof ACTIONS)[number]>();
  if (q && id) {
    const [ns = '', name = ''] = q.split('/');
    const w = await reads.queue(ctx, ns, name);
    lookup = { q, id };
    if (!w.nc) lookup.problem = `NATS of taskqueue ${name} is not reachable: ${w.error ?? 'not connected yet'}`;
    else {
      const client = new Client(w.nc, { queue: w.queue });
      try {
        const record = await client.status(id);
        if (record) lookup.record = record;
        else lookup.problem = `task ${id} has no result record in ${q}: still waiting for a worker, expired (spec.results.ttl), or a wrong id or queue`;
      } catch (e) {
        lookup.problem = `cannot read the result of task ${id}: ${firstLine(e)}`;
      } finally {
        await client.close();
      }
    }
    allowed = await authz.allowed(ctx.who, ACTIONS, ns, name);
  }
  if (json) {
    if (!lookup?.record) throw new HttpError(404, lookup?.problem ?? 'give q=<namespace>/<name> and id');
    return sendJson(ctx.res, 200, lookup.record);
  }
  sendHtml(ctx.res, lookup?.problem ? 404 : 200, taskPage(ctx.page, visible.map((w) => w.key), lookup, allowed));
}
