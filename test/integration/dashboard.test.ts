// The web dashboard against a real API server (RBAC on), operator and nats-server: its JSON and
// live (SSE) endpoints, task lookup, dead-letter replay recorded as an Event, and refusals for a
// user without the RBAC verb, a missing CSRF token and a missing login.
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, getDeadLetter } from 'celeriac';
import { useDashboardHarness, harnessTasks } from '../support/dashboard-harness.ts';
import { getJson } from '../support/operator.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';

const CLI = new URL('../../cli/bin/kubectl-celeriac.js', import.meta.url).pathname;

interface QueueJson {
  namespace: string;
  name: string;
  backlog?: number;
  deadLetters?: number;
  arrival?: number;
  paused?: boolean;
}

describe('the dashboard against real servers', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const h = useDashboardHarness(cp, nats);
  const clients: Client[] = [];
  afterAll(async () => Promise.all(clients.map((c) => c.close())));

  const url = (path: string) => `${h().dashboard.url}${path}`;
  const as = (who: 'viewer' | 'operator', extra: Record<string, string> = {}) => ({ authorization: `Bearer ${h().tokens[who]}`, ...extra });
  const json = async <T>(path: string, who: 'viewer' | 'operator' = 'viewer'): Promise<T> => {
    const r = await fetch(url(path), { headers: as(who) });
    expect(r.status, await r.clone().text()).toBe(200);
    return (await r.json()) as T;
  };
  /** A CSRF cookie and token as a page hands them out, for form posts. */
  const csrf = async () => {
    const r = await fetch(url('/'), { headers: as('viewer') });
    const token = /celeriac_csrf=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
    return { cookie: `celeriac_csrf=${token}`, token };
  };
  const post = async (path: string, who: 'viewer' | 'operator', fields: Record<string, string>, cookie?: string) =>
    fetch(url(path), { method: 'POST', redirect: 'manual', headers: as(who, { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }), body: new URLSearchParams(fields).toString() });
  const client = (queue: string) => {
    const c = new Client(nats.nc, { queue: h().natsQueue(queue) });
    clients.push(c);
    return c;
  };

  it('refuses anyone without a valid token, and signs in with one without echoing it', async () => {
    expect((await fetch(url('/api/queues'))).status).toBe(401);
    expect((await fetch(url('/api/queues'), { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    const page = await fetch(url('/'), { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');

    const { cookie, token } = await csrf();
    const login = await fetch(url('/login'), { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, token: h().tokens.viewer }).toString() });
    expect(login.status).toBe(303);
    const session = /celeriac_token=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const overview = await fetch(url('/'), { headers: { cookie: `${cookie}; ${session}` } });
    expect(overview.status).toBe(200);
    const body = await overview.text();
    expect(body).toContain('orders');
    expect(body).not.toContain(h().tokens.viewer);
  });

  it('sends security headers on every page', async () => {
    const r = await fetch(url('/'), { headers: as('viewer') });
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('lists the queues with live backlog numbers, and a queue with its workers from their heartbeats', async () => {
    await client('reports').enqueueMany(harnessTasks.report, Array.from({ length: 7 }, (_, n) => ({ payload: { n } })));
    const overview = await waitFor(async () => {
      const o = await json<{ queues: QueueJson[]; pools: unknown[] }>('/api/queues');
      return o.queues.find((q) => q.name === 'reports')?.backlog === 7 ? o : undefined;
    });
    expect(overview.queues.map((q) => q.name).sort()).toEqual(['orders', 'reports']);

    const orders = await waitFor(async () => {
      const d = await json<{ summary: QueueJson; workers: Array<{ name: string; concurrency: number }>; allowed: string[] }>(`/api/q/${h().ns}/orders`);
      return d.workers.length > 0 ? d : undefined;
    });
    expect(orders.workers[0]).toMatchObject({ name: 'orders-worker-0' });
    expect(orders.allowed).toEqual([]);
    const asOperator = await json<{ allowed: string[] }>(`/api/q/${h().ns}/orders`, 'operator');
    expect(asOperator.allowed.sort()).toEqual(['cancel', 'enqueue', 'pause', 'purge', 'replay', 'resume']);
  });

  it('streams the overview live over SSE', async () => {
    const controller = new AbortController();
    const r = await fetch(url('/events'), { headers: as('viewer'), signal: controller.signal });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    const events: Array<{ queues: QueueJson[] }> = [];
    let buffer = '';
    while (events.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      const parts = buffer.split('\n\n');
      buffer = parts.pop()!;
      for (const p of parts) if (p.startsWith('data: ')) events.push(JSON.parse(p.slice(6)) as { queues: QueueJson[] });
    }
    controller.abort();
    expect(events).toHaveLength(2);
    expect(events[1]!.queues.map((q) => q.name).sort()).toEqual(['orders', 'reports']);
  });

  it('looks up a task by id', async () => {
    const handle = await client('orders').enqueue(harnessTasks.double, { n: 21 });
    const record = await waitFor(async () => {
      const r = await fetch(url(`/api/task?q=${h().ns}/orders&id=${handle.id}`), { headers: as('viewer') });
      const body = (await r.json()) as { state?: string };
      return body.state === 'succeeded' ? body : undefined;
    });
    expect(record).toMatchObject({ id: handle.id, task: 'dash.double', result: 42 });
    const page = await (await fetch(url(`/task?q=${h().ns}/orders&id=${handle.id}`), { headers: as('viewer') })).text();
    expect(page).toContain('data-state="succeeded"');
    expect((await fetch(url(`/api/task?q=${h().ns}/orders&id=nope`), { headers: as('viewer') })).status).toBe(404);
  });

  it('lists a queue\'s tasks by state, a page at a time, and refuses an unknown state', async () => {
    const c = client('orders');
    const ok = await Promise.all([1, 2, 3].map((n) => c.enqueue(harnessTasks.double, { n })));
    const bad = await c.enqueue(harnessTasks.refuse, { n: 9 });
    await Promise.all([...ok.map((t) => t.result({ timeoutMs: 20_000 })), bad.result({ timeoutMs: 20_000 }).catch(() => undefined)]);
    type Page = { rows: Array<{ seq: number; record: { id: string; state: string } }>; next?: number };
    const list = async (query: string) => (await (await fetch(url(`/api/q/${h().ns}/orders/tasks?${query}`), { headers: as('viewer') })).json()) as Page;

    const succeeded = await list('state=succeeded');
    expect(succeeded.rows.map((r) => r.record.state).every((st) => st === 'succeeded')).toBe(true);
    expect(succeeded.rows.map((r) => r.record.id)).toEqual(expect.arrayContaining(ok.map((t) => t.id)));
    expect(succeeded.rows.map((r) => r.record.id)).not.toContain(bad.id);
    const failed = (await list('state=failed')).rows.map((r) => r.record.id);
    expect(failed).toContain(bad.id);
    // Paging: from the sequence after the first row, that row is gone and the rest follow in order.
    const all = await list('');
    const next = await list(`from=${all.rows[0]!.seq + 1}`);
    expect(next.rows.map((r) => r.seq)).toEqual(all.rows.slice(1).map((r) => r.seq));

    const page = await (await fetch(url(`/q/${h().ns}/orders/tasks?state=failed`), { headers: as('viewer') })).text();
    expect(page).toContain(bad.id);
    expect((await fetch(url(`/q/${h().ns}/orders/tasks?state=bogus`), { headers: as('viewer') })).status).toBe(400);
  });

  it('refuses an action to a viewer (RBAC) and to a form without the CSRF token; an operator replays a dead letter, recorded as an Event', async () => {
    await client('orders').enqueue(harnessTasks.refuse, { n: 1 });
    const dead = await waitFor(async () => {
      const d = await json<{ rows: Array<{ seq: number; task: string }> }>(`/api/q/${h().ns}/orders/dead`);
      return d.rows[0];
    });
    expect(dead.task).toBe('dash.refuse');
    const { cookie, token } = await csrf();
    const path = `/q/${h().ns}/orders/dead/${dead.seq}/replay`;

    const refused = await post(path, 'viewer', { _csrf: token }, cookie);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('may not replay on taskqueue orders');
    expect((await post(path, 'operator', {}, cookie)).status).toBe(403);
    expect((await post(path, 'operator', { _csrf: 'forged' }, cookie)).status).toBe(403);
    const crossSite = await fetch(url(path), { method: 'POST', redirect: 'manual', headers: as('operator', { origin: 'https://evil.example', cookie, 'content-type': 'application/x-www-form-urlencoded' }), body: `_csrf=${token}` });
    expect(crossSite.status).toBe(403);
    // Nothing was replayed by the refused requests.
    expect((await getDeadLetter(nats.nc, h().natsQueue('orders'), dead.seq)).seq).toBe(dead.seq);

    const ok = await post(path, 'operator', { _csrf: token }, cookie);
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get('location')!, 'http://x').searchParams.get('done')).toMatch(/^replayed dead letter \d+ as task message \d+/);
    await expect(getDeadLetter(nats.nc, h().natsQueue('orders'), dead.seq)).rejects.toThrow();
    const events = await waitFor(async () => {
      const list = await getJson<{ items: Array<{ reason: string; message: string; involvedObject: { kind: string; name: string } }> }>(cp(), ['events', '-n', h().ns]);
      return list.items.find((e) => e.reason === 'DeadLetterReplayed');
    });
    expect(events.involvedObject).toMatchObject({ kind: 'TaskQueue', name: 'orders' });
    expect(events.message).toContain(`by system:serviceaccount:${h().ns}:operator`);
  });

  it('kubectl celeriac dashboard names what is missing when no dashboard Service is installed', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'dashboard', '-n', h().ns, '--no-open'], { env: { ...process.env, KUBECONFIG: cp().kubeconfigPath, KUBECTL: cp().kubectlPath }, timeout: 30_000 }, (err, _out, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no Celeriac dashboard Service in namespace ${h().ns}`);
    expect(r.stderr).toContain('--set dashboard.enabled=true');
  });

  it('pauses and resumes a queue for an operator', async () => {
    const { cookie, token } = await csrf();
    expect((await post(`/q/${h().ns}/reports/pause`, 'operator', { _csrf: token }, cookie)).status).toBe(303);
    expect((await json<{ summary: QueueJson }>(`/api/q/${h().ns}/reports`)).summary.paused).toBe(true);
    expect((await post(`/q/${h().ns}/reports/resume`, 'operator', { _csrf: token }, cookie)).status).toBe(303);
    expect((await json<{ summary: QueueJson }>(`/api/q/${h().ns}/reports`)).summary.paused).toBe(false);
  });
});
