import type { ScheduleMessage } from 'celeriac/topology';
import type { Action } from '../auth/rbac.ts';
import { html, type Html } from '../html.ts';
import type { QueueDetail } from '../state/model.ts';
import type { LiveWorker } from '../state/queue-watch.ts';
import { num, polyline } from './format.ts';
import { actionButton, csrfField, page, type PageContext } from './layout.ts';
import { fieldText, queueHref, type LIVE_FIELDS } from './overview.ts';

/** A dead letter as the pages show it. */
export interface DeadLetterRow {
  seq: number;
  task: string;
  reason: string;
  attempts: number;
  deadAt: string;
  error: string;
}

export interface QueuePageData {
  detail: QueueDetail;
  allowed: ReadonlySet<Action>;
  failures: readonly DeadLetterRow[];
  schedules: readonly ScheduleMessage[];
}

export const CHART = { width: 600, height: 120 } as const;

function card(d: QueueDetail, field: (typeof LIVE_FIELDS)[number], label: string): Html {
  return html`<div class="card"><span class="label">${label}</span><span class="value" data-field="${field}">${fieldText(d.summary, field)}</span></div>`;
}

export function workerRows(workers: readonly LiveWorker[]): Html {
  if (workers.length === 0) return html`<tr><td colspan="5">No worker heartbeat heard.</td></tr>`;
  return html`${workers.map((w) => html`<tr><th scope="row" data-label="Worker">${w.name}</th><td data-label="Ready">${w.ready ? 'yes' : 'no'}</td><td data-label="In flight">${w.inFlight}/${w.concurrency}</td><td data-label="Completed">${num(w.completed)}</td><td data-label="Tasks">${(w.tasks ?? []).join(', ')}</td></tr>`)}`;
}

function chart(d: QueueDetail): Html {
  const { width, height } = CHART;
  const series = (key: 'backlog' | 'arrival' | 'completion' | 'replicas') => polyline(d.history.map((p) => p[key]), width, height);
  return html`<figure class="chart">
<svg id="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="Backlog, arrivals, completions and worker pods over the last two minutes">
<polyline class="backlog" data-series="backlog" points="${series('backlog')}"></polyline>
<polyline class="arrival" data-series="arrival" points="${series('arrival')}"></polyline>
<polyline class="completion" data-series="completion" points="${series('completion')}"></polyline>
<polyline class="replicas" data-series="replicas" points="${series('replicas')}"></polyline>
</svg>
<figcaption><span class="key backlog">backlog</span> <span class="key arrival">arrived /s</span> <span class="key completion">done /s</span> <span class="key replicas">pods</span> · last two minutes, each line on its own scale</figcaption>
</figure>`;
}

function failureRows(ctx: PageContext, base: string, rows: readonly DeadLetterRow[], canReplay: boolean): Html {
  return html`${rows.map(
    (f) => html`<tr><td data-label="Seq">${f.seq}</td><td data-label="Task">${f.task}</td><td data-label="Reason">${f.reason}</td><td data-label="Attempts">${f.attempts}</td><td data-label="Dead at">${f.deadAt}</td><td data-label="Error" class="error-text">${f.error.slice(0, 300)}</td>${canReplay ? html`<td>${actionButton(ctx, `${base}/dead/${f.seq}/replay`, `Replay ${f.seq}`)}</td>` : ''}</tr>`,
  )}`;
}

export function deadLetterTable(ctx: PageContext, base: string, rows: readonly DeadLetterRow[], canReplay: boolean, caption: string): Html {
  if (rows.length === 0) return html`<p>No dead letters.</p>`;
  return html`<div class="scroll"><table class="rows"><caption>${caption}</caption>
<thead><tr><th scope="col">Seq</th><th scope="col">Task</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Dead at</th><th scope="col">Error</th>${canReplay ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>${failureRows(ctx, base, rows, canReplay)}</tbody></table></div>`;
}

function actions(ctx: PageContext, base: string, d: QueueDetail, allowed: ReadonlySet<Action>): Html {
  const parts: Html[] = [];
  if (allowed.has('pause') && d.summary.paused !== true) parts.push(actionButton(ctx, `${base}/pause`, 'Pause queue', { confirm: 'Pause this queue? Workers take none of its tasks until resumed.' }));
  if (allowed.has('resume') && d.summary.paused === true) parts.push(actionButton(ctx, `${base}/resume`, 'Resume queue'));
  const forms: Html[] = [];
  if (allowed.has('enqueue')) {
    forms.push(html`<form method="post" action="${base}/enqueue" class="stack">${csrfField(ctx)}<h3>Enqueue a test task</h3>
<label for="enqueue-task">Task name</label><input id="enqueue-task" name="task" required>
<label for="enqueue-payload">Payload (JSON)</label><textarea id="enqueue-payload" name="payload" rows="2">{}</textarea>
<button type="submit">Enqueue</button></form>`);
  }
  if (allowed.has('cancel')) {
    forms.push(html`<form method="post" action="${base}/cancel" class="stack" data-confirm="Cancel this task?">${csrfField(ctx)}<h3>Cancel a task</h3>
<label for="cancel-id">Id of the task to cancel</label><input id="cancel-id" name="id" required>
<button type="submit" class="danger">Cancel task</button></form>`);
  }
  if (parts.length === 0 && forms.length === 0) return html`<p class="muted" id="read-only">Read-only: you may not act on this queue.</p>`;
  return html`<section aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2><div class="buttons">${parts}</div><div class="forms">${forms}</div></section>`;
}

function schedulesTable(schedules: readonly ScheduleMessage[]): Html {
  if (schedules.length === 0) return html`<p>No periodic schedules.</p>`;
  return html`<div class="scroll"><table class="rows"><caption>Periodic schedules (fired by the NATS server)</caption>
<thead><tr><th scope="col">Key</th><th scope="col">Schedule</th><th scope="col">Fires</th><th scope="col">Since</th></tr></thead>
<tbody>${schedules.map((s) => html`<tr><th scope="row" data-label="Key">${s.key}</th><td data-label="Schedule">${s.headers['Nats-Schedule'] ?? ''}</td><td data-label="Fires">${s.headers['Nats-Schedule-Target'] ?? ''}</td><td data-label="Since">${s.storedAt?.toISOString() ?? ''}</td></tr>`)}</tbody></table></div>`;
}

export function queuePage(ctx: PageContext, data: QueuePageData): Html {
  const d = data.detail;
  const s = d.summary;
  const base = queueHref(s);
  const canReplay = data.allowed.has('replay');
  const body = html`<p class="crumbs"><a href="/">Queues</a> › ${s.namespace}</p>
<h1>${s.name} <small>queue ${s.queue} in ${s.namespace}</small></h1>
${s.error ? html`<p class="notice error" role="alert">Live numbers unavailable: ${s.error}</p>` : ''}
<div class="cards" data-queue="${s.namespace}/${s.name}">
${card(d, 'backlog', 'Backlog')}${card(d, 'inFlight', 'In flight')}${card(d, 'arrival', 'Arrived /s')}${card(d, 'completion', 'Done /s')}${card(d, 'deadLetters', 'Dead letters')}${card(d, 'liveWorkers', 'Workers')}${card(d, 'workers', 'Pods ready')}${card(d, 'paused', 'State')}
</div>
${chart(d)}
${actions(ctx, base, d, data.allowed)}
<section aria-labelledby="workers-h"><h2 id="workers-h">Workers</h2>
<div class="scroll"><table class="rows"><caption>Live workers, from their heartbeats</caption>
<thead><tr><th scope="col">Worker</th><th scope="col">Ready</th><th scope="col">In flight</th><th scope="col">Completed</th><th scope="col">Tasks</th></tr></thead>
<tbody id="workers">${workerRows(d.workers)}</tbody></table></div></section>
<section aria-labelledby="failures-h"><h2 id="failures-h">Recent failures</h2>
${deadLetterTable(ctx, base, data.failures, canReplay, 'Newest dead letters')}
<div class="buttons"><a href="${base}/dead">All dead letters</a> <a href="${base}/tasks">Tasks by state</a>
${canReplay && data.failures.length > 0 ? actionButton(ctx, `${base}/dead/replay-all`, 'Replay all', { confirm: 'Replay every dead letter of this queue?' }) : ''}
${data.allowed.has('purge') && data.failures.length > 0 ? actionButton(ctx, `${base}/dead/purge`, 'Purge dead letters', { confirm: 'Delete every dead letter of this queue? This cannot be undone.', danger: true }) : ''}</div>
</section>
<section aria-labelledby="lookup-h"><h2 id="lookup-h">Find a task</h2>
<form method="get" action="/task" class="row"><input type="hidden" name="q" value="${s.namespace}/${s.name}"><label for="lookup-id">Task id</label><input id="lookup-id" name="id" required><button type="submit">Look up</button></form></section>
<section aria-labelledby="schedules-h"><h2 id="schedules-h">Schedules</h2>${schedulesTable(data.schedules)}</section>`;
  return page(ctx, s.name, body, `/events?q=${encodeURIComponent(`${s.namespace}/${s.name}`)}`);
}
