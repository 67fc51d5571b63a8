/* global document, EventSource, confirm, CSS */
// The dashboard's only script (the CSP allows no other): live updates from the server's event
// stream (Server-Sent Events), and a confirmation before destructive forms. The formatting
// mirrors src/views/format.ts, which renders the same cells on the server.
'use strict';

const fmt = (n) => (n === undefined || n === null ? '–' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 }));
const special = {
  workers: (q) => `${q.workers.ready}/${q.workers.replicas}`,
  paused: (q) => (q.paused === undefined || q.paused === null ? '–' : q.paused ? 'paused' : 'running'),
  ready: (q) => q.ready,
};
const fieldText = (q, f) => (special[f] ? special[f](q) : fmt(q[f]));

function updateQueue(q) {
  const key = CSS.escape(`${q.namespace}/${q.name}`);
  for (const el of document.querySelectorAll(`[data-queue="${key}"] [data-field]`)) {
    const v = fieldText(q, el.dataset.field);
    if (el.textContent !== v) el.textContent = v;
  }
  for (const line of document.querySelectorAll(`[data-queue="${key}"] [data-spark]`)) {
    const [, , width, height] = line.ownerSVGElement.getAttribute('viewBox').split(' ').map(Number);
    line.setAttribute('points', polyline(q[line.dataset.spark] || [], width, height));
  }
}

function polyline(values, width, height) {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${Math.round(i * step * 10) / 10},${Math.round((height - (v / max) * height) * 10) / 10}`).join(' ');
}

function updateChart(history) {
  const svg = document.getElementById('chart');
  if (!svg) return;
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number);
  for (const line of svg.querySelectorAll('[data-series]')) {
    line.setAttribute('points', polyline(history.map((p) => p[line.dataset.series]), width, height));
  }
}

function cell(tag, text, label) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (label) el.dataset.label = label;
  if (tag === 'th') el.scope = 'row';
  return el;
}

function updateWorkers(workers) {
  const body = document.getElementById('workers');
  if (!body) return;
  const rows = workers.map((w) => {
    const tr = document.createElement('tr');
    tr.append(cell('th', w.name, 'Worker'), cell('td', w.ready ? 'yes' : 'no', 'Ready'), cell('td', `${w.inFlight}/${w.concurrency}`, 'In flight'), cell('td', fmt(w.completed), 'Completed'), cell('td', (w.tasks || []).join(', '), 'Tasks'));
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell('td', 'No worker heartbeat heard.');
    td.colSpan = 5;
    tr.append(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

const source = document.body.dataset.live;
if (source) {
  const events = new EventSource(source);
  events.onmessage = (e) => {
    const d = JSON.parse(e.data);
    if (d.queues) d.queues.forEach(updateQueue);
    if (d.summary) {
      updateQueue(d.summary);
      updateChart(d.history);
      updateWorkers(d.workers);
    }
    // Tests (and curious people) can see that a live update arrived.
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  };
}

document.addEventListener('submit', (e) => {
  const form = e.target;
  if (form.dataset && form.dataset.confirm && !confirm(form.dataset.confirm)) e.preventDefault();
});
