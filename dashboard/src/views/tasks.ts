import type { TaskState } from 'celeriac';
import { html, type Html } from '../html.ts';
import type { TaskListPage } from '../state/task-list.ts';
import { page, type PageContext } from './layout.ts';
import { queueHref } from './overview.ts';

/** Every state a result record can have, in a task's life order: the filter's choices. */
export const TASK_STATES = ['pending', 'scheduled', 'started', 'retrying', 'succeeded', 'failed', 'dead', 'expired', 'cancelled'] as const satisfies readonly TaskState[];

export function taskListPage(ctx: PageContext, q: { namespace: string; name: string }, state: string | undefined, list: TaskListPage): Html {
  const base = queueHref(q);
  const key = `${q.namespace}/${q.name}`;
  const stateParam = state ? `state=${encodeURIComponent(state)}&` : '';
  const body = html`<p class="crumbs"><a href="/">Queues</a> › <a href="${base}">${q.name}</a></p>
<h1>Tasks of ${q.name}</h1>
<form method="get" action="${base}/tasks" class="inline">
<label for="tasks-state">State</label>
<select id="tasks-state" name="state"><option value="">any</option>${TASK_STATES.map((s) => html`<option value="${s}"${s === state ? html` selected` : ''}>${s}</option>`)}</select>
<button type="submit">Show</button>
</form>
${
  list.rows.length === 0
    ? html`<p id="no-tasks">No ${state ?? ''} tasks in the ${list.scanned} records read${list.next !== undefined ? ' here; the next page reads on' : ''}.</p>`
    : html`<table class="rows" id="tasks"><caption>Tasks ${state ? html`in state ${state}` : ''}, by when their record was last written, oldest first</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Task</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Updated</th></tr></thead>
<tbody>${list.rows.map(
        ({ record: r }) =>
          html`<tr><td data-label="Id"><a href="/task?q=${encodeURIComponent(key)}&amp;id=${encodeURIComponent(r.id)}">${r.id}</a></td><td data-label="Task">${r.task}</td><td data-label="State">${r.state}</td><td data-label="Attempts">${r.attempts}</td><td data-label="Updated">${new Date(r.updatedAt).toISOString()}</td></tr>`,
      )}</tbody></table>`
}
<div class="buttons">${list.next !== undefined ? html`<a href="${base}/tasks?${stateParam}from=${list.next}" id="tasks-next">Next page</a>` : ''}</div>`;
  return page(ctx, `Tasks of ${q.name}`, body);
}
