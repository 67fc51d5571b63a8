// The dashboard in a real browser (Debian's chromium driven by playwright-core), against real
// servers: sign in, the overview of the harness's queues, a backlog draining live over SSE
// without a reload, a task looked up, a dead letter replayed with its button, a viewer refused an
// action, no serious or critical axe violation on any page, and the screenshots docs/cockpit.md
// shows (laptop and phone). scripts/ensure-deps.sh installs chromium when it is missing.
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Client } from 'celeriac';
import { repoRoot } from '../support/chart.ts';
import { harnessTasks, useDashboardHarness } from '../support/dashboard-harness.ts';
import { waitFor } from '../support/queue.ts';
import { useControlPlane } from '../support/use-control-plane.ts';
import { useNats } from '../support/use-nats.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Tasks for the backlog that drains live: a few seconds at the harness worker's ~200 tasks/s. */
const TASKS = 1000;
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
// The docs' copies change only on purpose (CELERIAC_UPDATE_SCREENSHOTS=1): a plain test run writes
// its screenshots under test-results/, so it never dirties the work tree.
const IMAGES = process.env.CELERIAC_UPDATE_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'images') : join(repoRoot, 'test-results', 'screenshots');
mkdirSync(IMAGES, { recursive: true });
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** A browser on the shared two-core machine: page loads take a while. */
const BROWSER_TEST_TIMEOUT_MS = 120_000;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core run in the page (evaluated over the DevTools protocol, which the page's CSP does not block). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the dashboard in a browser', () => {
  const cp = useControlPlane({ profile: 'api' });
  const nats = useNats();
  const h = useDashboardHarness(cp, nats);
  const contexts: BrowserContext[] = [];
  const dirs: string[] = [];
  /** Uncaught errors of the pages' script: a live update that throws must fail the test. */
  const pageErrors: string[] = [];
  let reports: Client;
  let orders: Client;

  const open = async (viewport: { width: number; height: number }, who: 'viewer' | 'operator'): Promise<Page> => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-chromium-'));
    dirs.push(dir);
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
    contexts.push(ctx);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${h().dashboard.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Token').fill(h().tokens[who]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h().dashboard.url}/`);
    return page;
  };
  const queueUrl = (name: string) => `${h().dashboard.url}/q/${h().ns}/${name}`;
  const cell = (page: Page, queue: string, field: string) => page.locator(`[data-queue="${h().ns}/${queue}"] [data-field="${field}"]`);

  beforeAll(() => {
    if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run bash scripts/ensure-deps.sh (installs it with apt) or set CHROMIUM_PATH`);
    reports = new Client(nats.nc, { queue: h().natsQueue('reports') });
    orders = new Client(nats.nc, { queue: h().natsQueue('orders') });
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await Promise.all([reports?.close(), orders?.close()]);
  });

  it('shows the queues, and a backlog draining live without a reload', async () => {
    const page = await open(LAPTOP, 'operator');
    await expect.poll(() => page.locator('tbody tr[data-queue]').count()).toBe(2);
    await reports.enqueueMany(harnessTasks.report, Array.from({ length: TASKS }, (_, n) => ({ payload: { n } })));
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
    await expect.poll(() => cell(page, 'reports', 'backlog').textContent(), { timeout: 15_000 }).toBe(TASKS.toLocaleString('en-US'));
    await h().startReportsWorker();
    // Mid-drain, with a rate shown: the moment for the overview's screenshot.
    await expect.poll(async () => Number((await cell(page, 'reports', 'completion').textContent())?.replace(/,/g, '')), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(IMAGES, 'dashboard-overview.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await expect.poll(() => cell(page, 'reports', 'backlog').textContent(), { timeout: 60_000 }).toBe('0');
    // The same document all along: the numbers came over the event stream.
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    // Every update went through the live script without an error (numbers and the pods sparklines).
    expect(await page.locator('[data-queue] [data-spark="pods"]').count()).toBe(2);
    expect(pageErrors).toEqual([]);

    // The queue page keeps the last two minutes: the drain is on its chart.
    await page.goto(queueUrl('reports'));
    await expect.poll(() => page.locator('#workers tr').first().textContent(), { timeout: 15_000 }).toContain('reports-worker-0');
    await page.screenshot({ path: join(IMAGES, 'dashboard-queue.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  }, BROWSER_TEST_TIMEOUT_MS);

  it('looks up a task, and replays a dead letter with its button', async () => {
    const page = contexts[0]!.pages()[0]!;
    const done = await orders.enqueue(harnessTasks.double, { n: 4 });
    await orders.enqueue(harnessTasks.refuse, { n: 7 });
    await waitFor(async () => ((await orders.status(done.id))?.state === 'succeeded' ? true : undefined));
    await page.goto(queueUrl('orders'));
    await page.getByRole('link', { name: 'All dead letters' }).waitFor();
    await expect.poll(async () => {
      await page.reload();
      return page.getByRole('button', { name: /^Replay \d+$/ }).count();
    }, { timeout: 15_000 }).toBe(1);
    await page.locator('#failures-h').locator('..').screenshot({ path: join(IMAGES, 'dashboard-failures.png') });
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: /^Replay \d+$/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^replayed dead letter \d+ as task message \d+$/);

    await page.locator('#lookup-id').fill(done.id);
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.locator('#record dd[data-state]').textContent()).toBe('succeeded');
    expect(await page.locator('#record').textContent()).toContain('dash.double');
    await page.screenshot({ path: join(IMAGES, 'dashboard-task.png') });
    expect(await seriousViolations(page)).toEqual([]);
  }, BROWSER_TEST_TIMEOUT_MS);

  it('is read-only for a viewer on a phone, and the server refuses a viewer\'s action', async () => {
    const page = await open(PHONE, 'viewer');
    await page.screenshot({ path: join(IMAGES, 'dashboard-phone-overview.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(queueUrl('reports'));
    await expect(page.locator('#read-only').textContent()).resolves.toContain('Read-only');
    expect(await page.getByRole('button', { name: /Pause|Replay|Purge|Enqueue|Cancel/ }).count()).toBe(0);
    await page.screenshot({ path: join(IMAGES, 'dashboard-phone-queue.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // With the buttons hidden, post the form by hand, with the page's own CSRF token.
    const status = await page.evaluate(async (path) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: string } } }).document;
      const token = doc.querySelector('input[name="_csrf"]').value;
      const r = await fetch(path, { method: 'POST', body: new URLSearchParams({ _csrf: token }) });
      return r.status;
    }, `/q/${h().ns}/reports/pause`);
    expect(status).toBe(403);
  }, BROWSER_TEST_TIMEOUT_MS);
});
