import type { ResultRecord } from 'celeriac';
import type { Action } from '../auth/rbac.ts';
import { html, type Html } from '../html.ts';
import { actionButton, page, type PageContext } from './layout.ts';
import { queueHref } from './overview.ts';

export interface TaskLookup {
  /** `namespace/name` of the TaskQueue, as typed. */
  q: string;
  id: string;
  record?: ResultRecord;
  /** Why there is no record to show. */
  problem?: string;
}

const TIMES = ['enqueuedAt', 'startedAt', 'finishedAt', 'updatedAt', 'retryAt', 'runAt', 'expiresAt'] as const;
const UNFINISHED = new Set(['pending', 'scheduled', 'started', 'retrying']);

function recordTable(r: ResultRecord): Html {
  const rows: Array<[string, string]> = [
    ['Id', r.id],
    ['Task', r.task],
    ['State', r.state],
    ['Attempts', String(r.attempts)],
    ...TIMES.filter((k) => r[k] !== undefined).map((k): [string, string] => [k, new Date(r[k]!).toISOString()]),
  ];
  if (r.error) rows.push(['Error', `${r.error.type ? `${r.error.type}: ` : ''}${r.error.message}`]);
  if (r.result !== undefined) rows.push(['Result', JSON.stringify(r.result, null, 2)]);
  if (r.progress !== undefined) rows.push(['Progress', JSON.stringify(r.progress)]);
  if (r.deadLetter?.seq !== undefined) rows.push(['Dead letter', `seq ${r.deadLetter.seq}`]);
  return html`<dl class="record" id="record">${rows.map(([k, v]) => html`<dt>${k}</dt><dd${k === 'State' ? html` data-state="${v}"` : ''}>${k === 'Result' ? html`<pre>${v}</pre>` : v}</dd>`)}</dl>`;
}

export function taskPage(ctx: PageContext, queues: readonly string[], lookup: TaskLookup | undefined, allowed: ReadonlySet<Action>): Html {
  const [ns = '', name = ''] = (lookup?.q ?? '').split('/');
  const body = html`<h1>Find a task</h1>
<form method="get" action="/task" class="stack narrow">
<label for="task-q">Queue</label>
<select id="task-q" name="q" required>${queues.map((q) => html`<option value="${q}"${q === lookup?.q ? html` selected` : ''}>${q}</option>`)}</select>
<label for="task-id">Task id</label><input id="task-id" name="id" required value="${lookup?.id ?? ''}">
<button type="submit">Look up</button>
</form>
${lookup?.problem ? html`<p class="notice error" role="alert">${lookup.problem}</p>` : ''}
${lookup?.record ? html`<section aria-labelledby="rec-h"><h2 id="rec-h">Task ${lookup.record.id} <small>on <a href="${queueHref({ namespace: ns, name })}">${lookup.q}</a></small></h2>${recordTable(lookup.record)}
${allowed.has('cancel') && UNFINISHED.has(lookup.record.state) ? actionButton(ctx, `${queueHref({ namespace: ns, name })}/cancel`, 'Cancel task', { fields: { id: lookup.record.id }, confirm: 'Cancel this task?', danger: true }) : ''}</section>` : ''}`;
  return page(ctx, 'Find a task', body);
}
