import type { Action } from '../auth/rbac.ts';
import { html, type Html } from '../html.ts';
import { actionButton, page, type PageContext } from './layout.ts';
import { queueHref } from './overview.ts';
import { deadLetterTable, type DeadLetterRow } from './queue.ts';

export function deadLettersPage(ctx: PageContext, q: { namespace: string; name: string }, rows: readonly DeadLetterRow[], next: number | undefined, allowed: ReadonlySet<Action>): Html {
  const base = queueHref(q);
  const body = html`<p class="crumbs"><a href="/">Queues</a> › <a href="${base}">${q.name}</a></p>
<h1>Dead letters of ${q.name}</h1>
${deadLetterTable(ctx, base, rows, allowed.has('replay'), 'Dead letters, oldest first')}
<div class="buttons">
${next !== undefined ? html`<a href="${base}/dead?from=${next}">Next page</a>` : ''}
${allowed.has('replay') && rows.length > 0 ? actionButton(ctx, `${base}/dead/replay-all`, 'Replay all', { confirm: 'Replay every dead letter of this queue?' }) : ''}
${allowed.has('purge') && rows.length > 0 ? actionButton(ctx, `${base}/dead/purge`, 'Purge dead letters', { confirm: 'Delete every dead letter of this queue? This cannot be undone.', danger: true }) : ''}
</div>`;
  return page(ctx, `Dead letters of ${q.name}`, body);
}
