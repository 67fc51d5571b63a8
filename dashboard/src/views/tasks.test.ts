import { describe, expect, it } from 'vitest';
import type { ResultRecord } from 'celeriac';
import { taskListPage } from './tasks.ts';

const record = (id: string, state: ResultRecord['state']): ResultRecord => ({ id, task: 'billing.charge', state, attempts: 1, enqueuedAt: 0, updatedAt: Date.UTC(2026, 10, 30) });
const render = (state: string | undefined, rows: Array<{ seq: number; record: ResultRecord }>, next?: number) =>
  taskListPage({ user: 'alice', csrf: 'tok' }, { namespace: 'shop', name: 'billing' }, state, { rows, scanned: 40, ...(next !== undefined ? { next } : {}) }).text;

describe('the task list page', () => {
  it('links each task to its record, escaping ids, and keeps the state on the next page', () => {
    const page = render('failed', [{ seq: 7, record: record('<b>x</b>', 'failed') }], 8);
    expect(page).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('href="/task?q=shop%2Fbilling&amp;id=%3Cb%3Ex%3C%2Fb%3E"');
    expect(page).toContain('href="/q/shop/billing/tasks?state=failed&amp;from=8"');
    expect(page).toContain('<option value="failed" selected>');
  });
  it('says how far it read when a page has none of the state, and offers to read on', () => {
    const page = render('dead', [], 2001);
    expect(page).toContain('No dead tasks in the 40 records read here; the next page reads on.');
    expect(page).toContain('from=2001');
    expect(render(undefined, [])).not.toContain('tasks-next');
  });
});
