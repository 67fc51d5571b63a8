import { html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from './layout.ts';

/** Token mode's sign-in: the token goes into an HttpOnly cookie, never into a page or a log. */
export function loginPage(ctx: PageContext): Html {
  return page(
    ctx,
    'Sign in',
    html`<h1>Sign in</h1>
<p>Paste a Kubernetes bearer token. What you may see and do is what RBAC allows this token on TaskQueues.</p>
<p class="muted">For yourself: <code>kubectl create token &lt;serviceaccount&gt;</code>, or your kubeconfig's token.</p>
<form method="post" action="/login" class="stack narrow">${csrfField(ctx)}
<label for="token">Token</label><input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function errorPage(ctx: PageContext, title: string, message: string): Html {
  return page(ctx, title, html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the queues</a></p>`);
}
