import { CSRF_FIELD } from '../http/security.ts';
import { html, type Html } from '../html.ts';

/** What every page needs from the request. */
export interface PageContext {
  /** The signed-in user's name; absent on the login page. */
  user?: string;
  /** The CSRF token for forms (also in the HttpOnly cookie; never the user's credentials). */
  csrf: string;
  /** A one-line outcome of the last action (from the redirect's query), or an error. */
  notice?: { text: string; error: boolean };
  /** Whether logging out means anything (token mode). */
  canLogout?: boolean;
}

export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}">`;
}

/** A POST form that is one button; destructive ones ask for confirmation (app.js, data-confirm). */
export function actionButton(ctx: PageContext, action: string, label: string, opts: { confirm?: string; fields?: Record<string, string>; danger?: boolean } = {}): Html {
  const hidden = Object.entries(opts.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="post" action="${action}" class="inline"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(ctx)}${hidden}<button type="submit"${opts.danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

export function page(ctx: PageContext, title: string, body: Html, live?: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Celeriac</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body${live ? html` data-live="${live}"` : ''}>
<header class="top">
<nav aria-label="Main">
<a class="brand" href="/">Celeriac</a>
<a href="/">Queues</a>
<a href="/task">Find a task</a>
</nav>
${ctx.user ? html`<div class="who"><span>${ctx.user}</span>${ctx.canLogout ? html`<form method="post" action="/logout" class="inline">${csrfField(ctx)}<button type="submit">Sign out</button></form>` : ''}</div>` : ''}
</header>
<main id="main">
${ctx.notice ? html`<p class="notice${ctx.notice.error ? ' error' : ''}" role="status">${ctx.notice.text}</p>` : ''}
${body}
</main>
</body>
</html>
`;
}
