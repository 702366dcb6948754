import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeCell } from '#libs/geo/index.js';
import { lastClosedWindowId, windowEndMs, windowStartMs } from '#libs/domain/index.js';
import { ROOT } from '../support/apps.js';
import { launchBrowser } from '../support/browser.js';
import { call, eventually } from '../support/http.js';
import { FAST_GRID_ENV, TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = {
  windowSeconds: Number(FAST_GRID_ENV.HC_WINDOW_SECONDS),
  slotSeconds: Number(FAST_GRID_ENV.HC_SLOT_SECONDS),
  graceSeconds: Number(FAST_GRID_ENV.HC_GRACE_SECONDS),
};
// One slot (10 s) goes to review, six (a whole window) would apply automatically: the requests
// this test makes all wait for an official, with exposures of 10 to 30 s to filter on.
const THRESHOLDS = { HC_EXPOSURE_REVIEW_SECONDS: '10', HC_EXPOSURE_AUTO_SECONDS: '60' };
const UI_TIMEOUT = 30_000; // CI is a slow 2-core machine
// The official works in Shanghai: every time on the page is in this zone, UTC in the tooltip.
const ZONE = 'Asia/Shanghai';
const CSV_HEADER =
  'id,userId,fromColor,toColor,status,auto,exposureSeconds,windowStart,windowEnd,createdAt,decidedBy,decidedAt';

// Three places far apart: the single request of the evidence test, the 520 requests of the bulk
// test (500 above 30 s, 20 below) and 20 more elsewhere for the reviewer to claim.
const PLACES = {
  // Positions, not cells: the evidence then knows how far apart the two were (a few metres).
  berlin: { source: { lat: 52.52035, lon: 13.4053 }, contact: { lat: 52.52033, lon: 13.4052 } },
  shanghai: { cell: encodeCell(31.2304, 121.4737, 8) },
  beijing: { cell: encodeCell(39.9042, 116.4074, 8) },
};
const AREA = PLACES.shanghai.cell.slice(0, 6);
const OTHER_AREA = PLACES.beijing.cell.slice(0, 6);

/**
 * The officials' console in a real browser against the real system: requests made by tracing
 * real pings, found with the queue's filters, decided one by one and by filter, exported,
 * audited, claimed by a reviewer the admin created, in English and in Chinese.
 */
describe('admin console', () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const api = () => sys.url('api');
  const shot = (name: string) =>
    page.screenshot({ path: path.join(ROOT, 'test-artifacts', `admin-${name}.png`), fullPage: true });

  beforeAll(async () => {
    sys = await startSystem('console', ['api', 'ingest', 'batch'], THRESHOLDS);
    browser = await launchBrowser();
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      timezoneId: ZONE,
      locale: 'en-GB',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`${msg.text()} (${msg.location().url})`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  const adminToken = async () => (await call('POST', `${api()}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token;
  const register = async () =>
    (await call('POST', `${api()}/v1/users`, { body: {} })).body as { userId: string; token: string };

  /** Pings 2 s into the given slots of a window, in one cell or at one position. */
  async function ping(token: string, at: string | { lat: number; lon: number }, windowId: number, slots: number[]) {
    const start = windowStartMs(windowId, grid);
    const where = typeof at === 'string' ? { geohash: at } : at;
    const pings = slots.map((slot) => ({ ts: start + slot * grid.slotSeconds * 1000 + 2_000, ...where }));
    const res = await call('POST', `${sys.url('ingest')}/v1/pings`, { token, body: { pings } });
    expect(res.status).toBe(202);
  }

  async function makeRed(userId: string) {
    const res = await call('PUT', `${api()}/v1/admin/users/${userId}/code`, {
      token: await adminToken(),
      body: { color: 'red', reason: 'positive test' },
    });
    expect(res.status).toBe(200);
  }

  /** Runs `fn` over `items`, `width` at a time. */
  async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
    for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
  }

  /** Runs an action that shows another page (or the same one again) and waits until it is drawn. */
  async function drawnAfter(action: () => Promise<void>) {
    await page.evaluate(() => delete document.getElementById('main')!.dataset.rendered);
    await action();
    await page.waitForFunction(() => document.getElementById('main')!.dataset.rendered === (location.hash || '#/'));
  }

  async function logIn(username: string, password: string) {
    if (await page.locator('#logout').isVisible()) await page.locator('#logout').click();
    await page.goto(`${api()}/admin/#/queue`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
  }

  /** Fills the queue's filter form (blank fields are cleared) and applies it. */
  async function filterQueue(values: { status?: string; area?: string; exposureMin?: string }) {
    await drawnAfter(() => page.locator('#nav').getByRole('link', { name: 'Review queue' }).click());
    const form = page.getByRole('search', { name: 'Filter the requests' });
    await form.waitFor();
    await form.getByLabel('Status').selectOption(values.status ?? 'pending');
    await form.getByLabel('Area (geohash)').fill(values.area ?? '');
    await form.getByLabel('Exposure at least (s)').fill(values.exposureMin ?? '');
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction((area) => location.hash.includes(area ? `area=${area}` : '#/queue'), values.area ?? '');
    await page.locator('#match-count').waitFor();
  }

  const matchCount = async () => (await page.locator('#match-count').textContent()) ?? '';

  it('serves the console with a strict Content-Security-Policy, keeping /v1/admin for the API', async () => {
    const redirect = await fetch(`${api()}/admin`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/admin/');
    const index = await fetch(`${api()}/admin/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await fetch(`${api()}/admin/js/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${api()}/admin/no-such-file.js`)).status).toBe(404);
    expect((await call('GET', `${api()}/v1/admin/users/1/code`)).status).toBe(401);
  });

  it('shows a request in the official’s time zone, reads its evidence with distances and approves it', async () => {
    // A red source and a contact side by side for two slots (20 s): a request for review.
    const [source, contact] = [await register(), await register()];
    await makeRed(source.userId);
    const windowId = lastClosedWindowId(Date.now(), grid) - 3;
    await ping(source.token, PLACES.berlin.source, windowId, [0, 1]);
    await ping(contact.token, PLACES.berlin.contact, windowId, [0, 1]);
    const [change] = await eventually(
      () =>
        sys.db.query<{ id: string; status: string; auto: boolean }>(
          'SELECT id::text, status, auto FROM code_changes WHERE user_id = $1',
          [contact.userId],
        ),
      (rows) => rows.length > 0,
      60_000,
      'a code-change request for the contact',
    );
    expect(change).toMatchObject({ status: 'pending', auto: false });

    await page.goto(`${api()}/admin`);
    await logIn(TEST_ADMIN.username, TEST_ADMIN.password);

    // The queue: the request, its window as a time range in Shanghai time (UTC in the tooltip).
    const row = page.locator(`tr[data-id="${change.id}"]`);
    await row.waitFor();
    expect(await page.locator('#oldest-pending').textContent()).toMatch(/^Oldest pending: \d+/);
    expect(await row.textContent()).toContain(contact.userId);
    const range = (ms: number, opts: Intl.DateTimeFormatOptions) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, ...opts }).format(ms);
    const [from, to] = [windowStartMs(windowId, grid), windowEndMs(windowId, grid)];
    const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    const windowCell = row.locator('td time').first();
    expect(await windowCell.textContent()).toBe(
      `${range(from, { day: 'numeric', month: 'short' })} ${range(from, clock)}–${range(to, clock)}`,
    );
    expect(await windowCell.getAttribute('title')).toContain(`${new Date(from).toISOString().slice(11, 16)}`);
    expect(await windowCell.getAttribute('title')).toContain('UTC');
    expect(await row.textContent()).not.toContain(String(windowId));
    await shot('review-queue');

    // Keyboard: j moves to the first row (the only pending one so far), o opens it.
    await page.keyboard.press('j');
    await page.keyboard.press('o');
    await page.getByRole('heading', { name: `Request #${change.id}` }).waitFor();

    // The evidence: the closest pings' distance and time apart, in the table and on the plan.
    const evidence = (await call('GET', `${api()}/v1/admin/code-changes/${change.id}`, { token: await adminToken() }))
      .body;
    const closest = evidence.evidence.sources[0].closest;
    expect(closest.meters).toBeGreaterThan(0);
    const sourceRow = page.getByRole('table', { name: 'Sources' }).locator(`tr[data-source="${source.userId}"]`);
    const distanceText = (await sourceRow.locator('td.distance').textContent()) ?? '';
    expect(distanceText).toMatch(/^\d+(\.\d)? m$/);
    expect(Number.parseFloat(distanceText)).toBeCloseTo(closest.meters, closest.meters < 10 ? 1 : 0);
    const plan = page.locator('svg.cell-plan');
    expect(await plan.locator('rect.cell').count()).toBeGreaterThanOrEqual(1);
    expect(await plan.locator('g.closest text').textContent()).toContain(distanceText);
    expect(await plan.locator('g.scale-bar text').textContent()).toMatch(/^\d+(\.\d)? k?m$/);
    expect(await page.locator('svg.timeline rect.tl-slot').count()).toBe(2);
    await shot('evidence');

    await page.getByLabel('Note').fill('two slots next to a case; approved');
    await page.getByRole('button', { name: 'Approve (a)' }).click();
    await page.getByText(`Request ${change.id}: applied.`).waitFor();

    await page.locator('dl.facts').getByRole('link', { name: contact.userId }).click();
    await page.getByRole('heading', { name: `Person ${contact.userId}` }).waitFor();
    expect(await page.locator('#person-color').getAttribute('data-color')).toBe('yellow');
    expect(await page.getByRole('table', { name: 'History' }).textContent()).toContain('admin');
    expect(
      (await call('GET', `${api()}/v1/admin/code-changes/${change.id}`, { token: await adminToken() })).body,
    ).toMatchObject({
      status: 'applied',
      note: 'two slots next to a case; approved',
      decidedBy: `admin:${TEST_ADMIN.username}`,
    });
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('filters by area and exposure and approves all 500 matching requests as one audited action', async () => {
    // Two red sources; 500 contacts 30 s next to one, 20 contacts 10 s next to it, 20 contacts
    // 30 s next to the other, far away. Each contact's request waits for review.
    const windowId = lastClosedWindowId(Date.now(), grid) - 3;
    const [here, there] = [await register(), await register()];
    await makeRed(here.userId);
    await makeRed(there.userId);
    await ping(here.token, PLACES.shanghai.cell, windowId, [0, 1, 2]);
    await ping(there.token, PLACES.beijing.cell, windowId, [0, 1, 2]);
    const groups = [
      { n: 500, cell: PLACES.shanghai.cell, slots: [0, 1, 2], name: 'long' },
      { n: 20, cell: PLACES.shanghai.cell, slots: [0], name: 'short' },
      { n: 20, cell: PLACES.beijing.cell, slots: [0, 1, 2], name: 'elsewhere' },
    ];
    const contacts: Record<string, string[]> = {};
    for (const g of groups) {
      const phones: { userId: string; token: string }[] = [];
      await inParallel([...Array(g.n).keys()], 25, async () => void phones.push(await register()));
      await inParallel(phones, 25, (p) => ping(p.token, g.cell, windowId, g.slots));
      contacts[g.name] = phones.map((p) => p.userId);
    }
    const all = Object.values(contacts).flat();
    await eventually(
      () =>
        sys.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM code_changes WHERE user_id = ANY($1::bigint[]) AND status = 'pending'",
          [all],
        ),
      ([{ n }]) => n === all.length,
      120_000,
      `${all.length} pending requests`,
    );

    // The area alone: 520; with at least 30 s of exposure: the 500.
    await filterQueue({ area: AREA });
    expect(await matchCount()).toMatch(/^520 requests match/);
    await filterQueue({ area: AREA, exposureMin: '30' });
    expect(await matchCount()).toMatch(/^500 requests match · showing 1–50/);
    expect(await page.locator('#page-info').textContent()).toBe('Page 1 of 10');
    const seconds = await page
      .locator('tbody td[data-seconds]')
      .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-seconds'))));
    expect(seconds).toHaveLength(50);
    expect(seconds.every((s) => s >= 30)).toBe(true);
    await shot('queue-filtered');
    // Next and previous keep the filter.
    await drawnAfter(() => page.locator('#next-page').click());
    expect(await matchCount()).toMatch(/showing 51–100/);
    expect(page.url()).toContain(`area=${AREA}`);
    await drawnAfter(() => page.locator('#previous-page').click());

    // Select all matching: the server counts them, the official confirms that count, it runs.
    await page.getByLabel('Note for the decision').fill('outbreak at the market: all 30 s contacts');
    await page.locator('#select-all-matching').click();
    const confirm = page.locator('#bulk-by-filter .confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('500 pending requests match this filter');
    expect(await confirm.textContent()).toContain(`Area (geohash): ${AREA}`);
    await shot('bulk-confirm');
    await confirm.getByRole('button', { name: 'Approve all 500' }).click();
    await page.getByText('Approved 500 requests.').waitFor();

    // The 500 are applied, each with its history row; the 40 others still wait.
    const changes = await sys.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM code_changes WHERE user_id = ANY($1::bigint[]) GROUP BY status ORDER BY status',
      [all],
    );
    expect(changes).toEqual([
      { status: 'applied', n: 500 },
      { status: 'pending', n: 40 },
    ]);
    const [history] = await sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM code_history h JOIN code_changes c ON c.id = h.change_id
        WHERE c.user_id = ANY($1::bigint[])`,
      [contacts.long],
    );
    expect(history.n).toBe(500);
    const audit = await sys.db.query<{ actor: string; after: { decision: string; count: number }; note: string }>(
      "SELECT actor, after, note FROM admin_audit WHERE action = 'code_change.bulk_decide'",
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: TEST_ADMIN.username,
      after: { decision: 'approve', count: 500 },
      note: 'outbreak at the market: all 30 s contacts',
    });
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('exports the filtered list as CSV', async () => {
    await filterQueue({ status: 'applied', area: AREA });
    expect(await matchCount()).toMatch(/^500 requests match/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^code-changes-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(501);
    const status = CSV_HEADER.split(',').indexOf('status');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[status]))).toEqual(new Set(['applied']));
    await page.getByText('Exported 500 requests.').waitFor();
    await shot('export');
  }, 60_000);

  it('creates a reviewer, who logs in and claims a batch; the admin sees who claimed what', async () => {
    await page.locator('#nav').getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await page.getByLabel('Username').fill('rita');
    await page.getByLabel('Role').selectOption('reviewer');
    await page.getByRole('button', { name: 'Create' }).click();
    const password = (await page.locator('#generated-password').textContent()) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await page.locator('tr[data-username="rita"]').textContent()).toContain('reviewer');
    await shot('accounts');

    await logIn('rita', password);
    expect(await page.locator('#who').textContent()).toBe('rita (reviewer)');
    // A reviewer sees no admin sections.
    expect(await page.locator('#nav').getByRole('link', { name: 'Accounts' }).isVisible()).toBe(false);
    await filterQueue({ area: OTHER_AREA });
    expect(await matchCount()).toMatch(/^20 requests match/);
    await page.getByLabel('Batch size').fill('5');
    await page.locator('#claim-batch').click();
    await page.getByText('You claimed 5 requests.').waitFor();
    await page.locator('#my-batch').waitFor();
    expect(await page.locator('td.claim-mine').count()).toBe(5);
    expect(await page.locator('td.claim-mine').first().textContent()).toMatch(/^rita until /);
    await shot('claimed');

    // The admin sees rita's five claims and cannot tick them (and rita's batch is not theirs).
    await logIn(TEST_ADMIN.username, TEST_ADMIN.password);
    expect(await page.locator('#my-batch').count()).toBe(0);
    await filterQueue({ area: OTHER_AREA });
    const theirs = page.locator('tr:has(td.claim-other)');
    expect(await theirs.count()).toBe(5);
    expect(await theirs.first().locator('td.claim-other').textContent()).toMatch(/^rita until /);
    expect(await theirs.first().locator('input.pick').isDisabled()).toBe(true);
    const listed = await call('GET', `${api()}/v1/admin/code-changes?area=${OTHER_AREA}&pageSize=50`, {
      token: await adminToken(),
    });
    expect(listed.body.items.filter((c: any) => c.claimedBy === 'rita')).toHaveLength(5);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('disables, enables and resets the password of an account', async () => {
    const login = (password: string) =>
      call('POST', `${api()}/v1/admin/sessions`, { body: { username: 'rita', password } });
    await drawnAfter(() => page.locator('#nav').getByRole('link', { name: 'Accounts' }).click());
    const rita = page.locator('tr[data-username="rita"]');
    await rita.getByRole('button', { name: 'Disable' }).click();
    await rita.getByLabel('Why (ends their sessions at once)').fill('left the team');
    await rita.getByRole('button', { name: 'Disable now' }).click();
    await page.getByText('rita is disabled.').waitFor();
    expect(await page.locator('tr[data-username="rita"] .badge').textContent()).toBe('disabled');
    await page.locator('tr[data-username="rita"]').getByRole('button', { name: 'Enable' }).click();
    await page.getByText('rita is enabled.').waitFor();
    expect(await page.locator('tr[data-username="rita"] .badge').textContent()).toBe('active');
    await page.locator('tr[data-username="rita"]').getByRole('button', { name: 'Reset password' }).click();
    await page.getByText('New password set for rita.').waitFor();
    const password = (await page.locator('#generated-password').textContent()) ?? '';
    expect((await login(password)).status).toBe(200);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows the audit trail filtered by actor', async () => {
    await page.locator('#nav').getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    const total = (text: string | null) => Number((text ?? '').replace(/[^\d].*$/, ''));
    const everyone = total(await page.locator('#audit-count').textContent());
    await page.getByLabel('Actor').fill(TEST_ADMIN.username);
    await drawnAfter(() => page.getByRole('button', { name: 'Apply' }).click());
    const admins = total(await page.locator('#audit-count').textContent());
    expect(admins).toBeGreaterThan(0);
    // rita's login and claims are left out.
    expect(admins).toBeLessThan(everyone);
    const actors = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(actors)).toEqual(new Set([TEST_ADMIN.username]));
    const bulk = page.locator('tr[data-action="code_change.bulk_decide"]');
    expect(await bulk.count()).toBe(1);
    expect(await bulk.textContent()).toContain('approve × 500');
    expect(await bulk.textContent()).toContain('outbreak at the market');
    await shot('audit');
  }, 60_000);

  it('switches to Chinese', async () => {
    await page.locator('#language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '审计记录' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.locator('#nav').getByRole('link', { name: '审核队列' }).click();
    await page.getByRole('heading', { name: '审核队列' }).waitFor();
    expect(await page.locator('#logout').textContent()).toBe('退出登录');
    expect(await page.locator('#match-count').textContent()).toMatch(/条申请符合条件/);
    await shot('chinese');
    // The choice is kept: a reload stays in Chinese.
    await page.reload();
    await page.getByRole('heading', { name: '审核队列' }).waitFor();
    await page.locator('#language').selectOption('en');
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
