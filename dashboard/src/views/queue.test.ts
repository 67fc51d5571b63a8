import { describe, expect, it } from 'vitest';
import type { Action } from '../auth/rbac.ts';
import type { QueueDetail } from '../state/model.ts';
import { queuePage, type DeadLetterRow } from './queue.ts';

const detail: QueueDetail = {
  summary: { namespace: 'shop', name: 'billing', queue: 'billing', ready: 'True', backlog: 12, pending: 10, inFlight: 2, deadLetters: 1, workers: { ready: 1, replicas: 1 }, paused: false, liveWorkers: 1, pods: [0, 2], arrival: 3.5, completion: 2 },
  history: [
    { at: 1, backlog: 10, arrival: 1, completion: 0, replicas: 0 },
    { at: 2, backlog: 12, arrival: 3.5, completion: 2, replicas: 2 },
  ],
  workers: [{ name: 'w-0', inFlight: 2, concurrency: 8, completed: 40, ready: true, tasks: ['billing.charge'], heardAt: 0 }],
};
const failure: DeadLetterRow = { seq: 3, task: 'billing.charge', reason: 'permanent-error', attempts: 1, deadAt: '2026-11-30T10:00:00Z', error: '<img src=x onerror=alert(1)>' };
const render = (allowed: Action[]) => queuePage({ user: 'alice', csrf: 'tok' }, { detail, allowed: new Set(allowed), failures: [failure], schedules: [] }).text;

describe('the queue page', () => {
  it('shows a viewer no action, only that the page is read-only', () => {
    const page = render([]);
    expect(page).toContain('id="read-only"');
    expect(page).not.toMatch(/<form method="post"/);
    expect(page).not.toContain('Replay 3');
  });
  it('shows each allowed action as a form carrying the CSRF token, and no other', () => {
    const page = render(['replay', 'pause']);
    expect(page).toContain('action="/q/shop/billing/dead/3/replay"');
    expect(page).toContain('action="/q/shop/billing/pause"');
    expect(page).not.toContain('/dead/purge');
    expect(page).not.toContain('/enqueue');
    const forms = page.match(/<form method="post"[^]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThan(0);
    for (const f of forms) expect(f).toContain('<input type="hidden" name="_csrf" value="tok">');
  });
  it('escapes what a task wrote into its error', () => {
    const page = render(['replay']);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
  it('draws the history and asks for the queue\'s live stream', () => {
    const page = render([]);
    expect(page).toContain('data-live="/events?q=shop%2Fbilling"');
    expect(page).toMatch(/data-series="backlog" points="0,\d+(\.\d)? 600,0"/);
    // Pods over time: 0 then 2, on its own scale (the bottom, then the top of the chart).
    expect(page).toMatch(/data-series="replicas" points="0,\d+(\.\d)? 600,0"/);
    expect(page).toContain('<td data-label="In flight">2/8</td>');
  });
});
