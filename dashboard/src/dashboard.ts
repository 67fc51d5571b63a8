import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { Authenticator, TOKEN_COOKIE, type AuthMode } from './auth/authenticate.ts';
import { Authorizer } from './auth/authorize.ts';
import type { Identity } from './auth/rbac.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';
import { actionOf, runAction } from './http/actions.ts';
import type { RequestContext } from './http/context.ts';
import { live } from './http/live.ts';
import { Reads, deadLetters, overview, queue, task, tasks } from './http/pages.ts';
import { HttpError, readForm, redirect, sendHtml, sendJson } from './http/request.ts';
import { CSRF_COOKIE, CSRF_FIELD, SECURITY_HEADERS, checkCsrf, cookie, newCsrfToken, parseCookies } from './http/security.ts';
import { Audit } from './state/audit.ts';
import { Hub } from './state/hub.ts';
import type { PageContext } from './views/layout.ts';
import { errorPage, loginPage } from './views/login.ts';

export interface DashboardOptions {
  /** The dashboard's own Kubernetes identity: lists TaskQueues, reads their Secrets, reviews tokens. */
  kubeConfig: KubeConfig;
  auth: AuthMode;
  port?: number;
  host?: string;
  namespace?: string;
  natsUrl?: string;
  /** Header mode: the headers the auth proxy sets. */
  userHeader?: string;
  groupsHeader?: string;
  /** Mark cookies Secure (the dashboard is served over HTTPS, e.g. behind an Ingress). */
  secureCookies?: boolean;
  pollMs?: number;
  idleAfterMs?: number;
  logger?: Logger;
}

export interface RunningDashboard {
  url: string;
  port: number;
  hub: Hub;
  close(): Promise<void>;
}

const STATIC: Record<string, { type: string; body: Buffer }> = {
  '/static/app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../static/app.js', import.meta.url)) },
  '/static/style.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('../static/style.css', import.meta.url)) },
};

const QUEUE_PATH = /^\/(api\/)?q\/([^/]+)\/([^/]+)(?:\/(.*))?$/;

/** Starts the dashboard's HTTP server. Stateless: everything it shows is read from Kubernetes and NATS. */
export async function startDashboard(opts: DashboardOptions): Promise<RunningDashboard> {
  const log = opts.logger ?? pino({ name: 'celeriac-dashboard' });
  const D = DASHBOARD_DEFAULTS;
  const kc = opts.kubeConfig;
  const hub = new Hub(kc, { namespace: opts.namespace, natsUrl: opts.natsUrl, pollMs: opts.pollMs ?? D.pollMs, objectsRefreshMs: D.objectsRefreshMs, idleAfterMs: opts.idleAfterMs ?? D.idleAfterMs, historySamples: D.historySamples, natsConnectTimeoutMs: D.natsConnectTimeoutMs }, log);
  const authn = new Authenticator(kc, { mode: opts.auth, userHeader: opts.userHeader ?? 'X-Remote-User', groupsHeader: opts.groupsHeader ?? 'X-Remote-Group', reviewCacheMs: D.reviewCacheMs });
  const authz = new Authorizer(kc, D.reviewCacheMs);
  const reads = new Reads(hub, authz);
  const audit = new Audit(kc, log);
  const secure = opts.secureCookies ?? false;

  async function act(ctx: RequestContext, ns: string, name: string, sub: string[]): Promise<void> {
    const form = await readForm(ctx.req, D.maxBodyBytes);
    const csrf = checkCsrf(ctx.req.headers, form[CSRF_FIELD]);
    if (!csrf.ok) throw new HttpError(403, `refused: ${csrf.reason}`);
    const action = actionOf(sub);
    if (!action) throw new HttpError(404, 'no such action');
    const w = await reads.queue(ctx, ns, name);
    if (!(await authz.can(ctx.who, action, ns, name))) {
      log.info({ namespace: ns, taskqueue: name, user: ctx.who.user, action }, 'dashboard action refused');
      throw new HttpError(403, `${ctx.who.user} may not ${action} on taskqueue ${name} in namespace ${ns} (RBAC verb ${JSON.stringify(action === 'resume' ? 'pause' : action)} on taskqueues.celeriac.dev)`);
    }
    if (!w.nc) throw new HttpError(503, `NATS of taskqueue ${name} is not reachable: ${w.error ?? 'not connected yet'}`);
    const outcome = await runAction(action, w.nc, w.queue, sub, form);
    await audit.record(w.tq, ctx.who, outcome.reason, outcome.message);
    await hub.tick(); // the page we return to shows the effect
    const back = sub[0] === 'dead' && ctx.req.headers.referer?.includes('/dead') ? `/q/${ns}/${name}/dead` : `/q/${ns}/${name}`;
    redirect(ctx.res, back, { text: outcome.message, error: outcome.partial === true });
  }

  async function route(ctx: RequestContext): Promise<void> {
    const { req, url } = ctx;
    const path = url.pathname;
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === '/') return overview(ctx, reads, hub, false);
    if (get && path === '/api/queues') return overview(ctx, reads, hub, true);
    if (get && path === '/events') return live(ctx, reads, hub);
    if (get && (path === '/task' || path === '/api/task')) return task(ctx, reads, authz, path.startsWith('/api/'));
    const m = QUEUE_PATH.exec(path);
    if (m) {
      const json = m[1] !== undefined;
      const [ns, name] = [decodeURIComponent(m[2]!), decodeURIComponent(m[3]!)];
      const sub = (m[4] ?? '').split('/').filter(Boolean);
      if (req.method === 'POST' && !json) return act(ctx, ns, name, sub);
      if (get && sub.length === 0) return queue(ctx, reads, authz, await reads.queue(ctx, ns, name), json);
      if (get && sub.length === 1 && sub[0] === 'dead') return deadLetters(ctx, authz, await reads.queue(ctx, ns, name), json);
      if (get && sub.length === 1 && sub[0] === 'tasks') return tasks(ctx, await reads.queue(ctx, ns, name), json);
    }
    throw new HttpError(404, `no page ${path}`);
  }

  /** Token mode's sign-in and sign-out; the CSRF check guards them like any other form. */
  async function session(req: IncomingMessage, res: ServerResponse, page: PageContext, path: string): Promise<boolean> {
    if (path === '/login' && req.method === 'GET') {
      sendHtml(res, 200, loginPage(page));
      return true;
    }
    if ((path === '/login' || path === '/logout') && req.method === 'POST') {
      const form = await readForm(req, D.maxBodyBytes);
      const csrf = checkCsrf(req.headers, form[CSRF_FIELD]);
      if (!csrf.ok) throw new HttpError(403, `refused: ${csrf.reason}`);
      if (path === '/logout') {
        res.setHeader('set-cookie', cookie(TOKEN_COOKIE, '', { secure, maxAgeS: 0 }));
        redirect(res, '/login');
        return true;
      }
      const token = form.token?.trim() ?? '';
      const who = token ? await authn.identify({ headers: { authorization: `Bearer ${token}` } } as IncomingMessage) : undefined;
      if (!who) {
        sendHtml(res, 401, loginPage({ ...page, notice: { text: 'The API server did not accept this token.', error: true } }));
        return true;
      }
      res.setHeader('set-cookie', cookie(TOKEN_COOKIE, token, { secure }));
      redirect(res, '/');
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const asset = STATIC[path];
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' }).end(asset.body);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    let csrf = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!csrf) {
      csrf = newCsrfToken();
      res.setHeader('set-cookie', cookie(CSRF_COOKIE, csrf, { secure }));
    }
    const done = url.searchParams.get('done');
    const failed = url.searchParams.get('error');
    const page: PageContext = { csrf, canLogout: opts.auth === 'token', ...(done || failed ? { notice: { text: (failed ?? done)!, error: failed !== null } } : {}) };
    const api = path.startsWith('/api/') || path === '/events';
    try {
      if (opts.auth === 'token' && (await session(req, res, page, path))) return;
      let who: Identity | undefined;
      try {
        who = await authn.identify(req);
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cannot review token');
        throw new HttpError(503, 'cannot check your token with the Kubernetes API server');
      }
      if (!who) {
        if (!api && opts.auth === 'token') return redirect(res, '/login');
        throw new HttpError(401, opts.auth === 'header' ? 'no user header from the auth proxy' : 'sign in with a Kubernetes token');
      }
      await route({ req, res, url, who, page: { ...page, user: who.user } });
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof HttpError ? e.message : 'internal error (see the dashboard log)';
      if (!(e instanceof HttpError)) log.error({ err: e instanceof Error ? e.message : String(e), path }, 'request failed');
      if (res.headersSent) return void res.end();
      if (api) return sendJson(res, status, { error: message });
      sendHtml(res, status, errorPage(page, status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Error', message));
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? D.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, auth: opts.auth }, 'dashboard listening');
  // One read at start, so the first viewer does not wait for every queue (seconds with hundreds);
  // the loop then runs only while someone looks.
  void hub.tick();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hub,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
    },
  };
}

