import { html, type Html } from '../html.ts';
import type { PoolSummary, QueueSummary } from '../state/model.ts';
import { num, polyline, yesNo } from './format.ts';
import { page, type PageContext } from './layout.ts';

export const queueHref = (q: { namespace: string; name: string }) => `/q/${encodeURIComponent(q.namespace)}/${encodeURIComponent(q.name)}`;

/** The live fields of a queue row; static/app.js updates the cells with these names. */
export const LIVE_FIELDS = ['ready', 'backlog', 'inFlight', 'arrival', 'completion', 'deadLetters', 'liveWorkers', 'workers', 'paused'] as const;

export function fieldText(q: QueueSummary, field: (typeof LIVE_FIELDS)[number]): string {
  switch (field) {
    case 'workers':
      return `${q.workers.ready}/${q.workers.replicas}`;
    case 'paused':
      return yesNo(q.paused);
    case 'ready':
      return q.ready;
    default:
      return num(q[field]);
  }
}

/** The sparkline of a queue's pods over two minutes; static/app.js redraws it from each update. */
const SPARK = { width: 60, height: 16 };
function podsSpark(q: QueueSummary): Html {
  return html`<td data-label="Pods, 2 min"><svg class="spark" viewBox="0 0 ${SPARK.width} ${SPARK.height}" preserveAspectRatio="none" role="img" aria-label="worker pods over the last two minutes"><polyline data-spark="pods" points="${polyline(q.pods, SPARK.width, SPARK.height)}"></polyline></svg></td>`;
}

function queueRow(q: QueueSummary): Html {
  const cell = (f: (typeof LIVE_FIELDS)[number], label: string) => html`<td data-label="${label}" data-field="${f}">${fieldText(q, f)}</td>`;
  return html`<tr data-queue="${q.namespace}/${q.name}">
<td data-label="Namespace">${q.namespace}</td>
<th scope="row" data-label="Queue"><a href="${queueHref(q)}">${q.name}</a>${q.error ? html` <span class="warn" title="${q.error}">(numbers from status: ${q.error})</span>` : ''}</th>
${cell('ready', 'Ready')}${cell('backlog', 'Backlog')}${cell('inFlight', 'In flight')}${cell('arrival', 'Arrived /s')}${cell('completion', 'Done /s')}${cell('deadLetters', 'Dead letters')}${cell('liveWorkers', 'Workers')}${cell('workers', 'Pods')}${podsSpark(q)}${cell('paused', 'State')}
</tr>`;
}

function poolRow(p: PoolSummary): Html {
  return html`<tr><td data-label="Namespace">${p.namespace}</td><th scope="row" data-label="Pool">${p.name}</th><td data-label="Queue"><a href="${queueHref({ namespace: p.namespace, name: p.queue })}">${p.queue}</a></td><td data-label="Ready">${p.ready}/${p.replicas}</td><td data-label="Autoscaling">${p.min === undefined ? 'off' : `${p.min}–${p.max}`}</td></tr>`;
}

export function overviewPage(ctx: PageContext, queues: readonly QueueSummary[], pools: readonly PoolSummary[], problem?: string): Html {
  const body = html`<h1>Queues</h1>
${problem ? html`<p class="notice error" role="alert">Cannot list TaskQueues: ${problem}</p>` : ''}
${queues.length === 0 ? html`<p>No TaskQueue you may see.</p>` : html`<div class="scroll"><table class="rows">
<caption>Task queues, live (updated every second)</caption>
<thead><tr><th scope="col">Namespace</th><th scope="col">Queue</th><th scope="col">Ready</th><th scope="col">Backlog</th><th scope="col">In flight</th><th scope="col">Arrived /s</th><th scope="col">Done /s</th><th scope="col">Dead letters</th><th scope="col">Workers</th><th scope="col">Pods</th><th scope="col">Pods, 2 min</th><th scope="col">State</th></tr></thead>
<tbody>${queues.map(queueRow)}</tbody>
</table></div>`}
<h2>Worker pools</h2>
${pools.length === 0 ? html`<p>No WorkerPool you may see.</p>` : html`<div class="scroll"><table class="rows">
<caption>Worker pools</caption>
<thead><tr><th scope="col">Namespace</th><th scope="col">Pool</th><th scope="col">Queue</th><th scope="col">Ready</th><th scope="col">Autoscaling</th></tr></thead>
<tbody>${pools.map(poolRow)}</tbody>
</table></div>`}`;
  return page(ctx, 'Queues', body, '/events');
}
