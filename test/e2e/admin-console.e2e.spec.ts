import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { encodeCell } from '#libs/geo/index.js';
import { lastClosedWindowId, windowStartMs } from '#libs/domain/index.js';
import { ROOT } from '../support/apps.js';
import { launchBrowser } from '../support/browser.js';
import { call, eventually } from '../support/http.js';
import { FAST_GRID_ENV, TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

const grid = {
  windowSeconds: Number(FAST_GRID_ENV.HC_WINDOW_SECONDS),
  slotSeconds: Number(FAST_GRID_ENV.HC_SLOT_SECONDS),
  graceSeconds: Number(FAST_GRID_ENV.HC_GRACE_SECONDS),
};
const UI_TIMEOUT = 30_000; // CI is a slow 2-core machine

/**
 * The admins' console in a real browser against the real system: a trace leaves a request for
 * review, an admin logs in, finds it in the queue, reads its evidence, approves it and sees the
 * person's code turn yellow.
 */
describe('admin console', () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sys = await startSystem('console', ['api', 'ingest', 'batch']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`${msg.text()} (${msg.location().url})`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  /** A red source and a contact side by side for two slots: above review, below automatic. */
  async function pendingReview(): Promise<{ changeId: string; contactId: string; sourceId: string }> {
    const api = sys.url('api');
    const register = async () =>
      (await call('POST', `${api}/v1/users`, { body: {} })).body as { userId: string; token: string };
    const [source, contact] = [await register(), await register()];
    const admin = (await call('POST', `${api}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token;
    expect(
      (
        await call('PUT', `${api}/v1/admin/users/${source.userId}/code`, {
          token: admin,
          body: { color: 'red', reason: 'positive test' },
        })
      ).status,
    ).toBe(200);

    const windowId = lastClosedWindowId(Date.now(), grid) - 3;
    const start = windowStartMs(windowId, grid);
    const at = (slots: number[]) => slots.map((slot) => start + slot * grid.slotSeconds * 1000 + 2_000);
    const ping = (token: string, cell: string, slots: number[]) =>
      call('POST', `${sys.url('ingest')}/v1/pings`, {
        token,
        body: { pings: at(slots).map((ts) => ({ ts, geohash: cell })) },
      });
    expect((await ping(source.token, encodeCell(52.520008, 13.404954, 8), [0, 1])).status).toBe(202);
    // Two slots next to the source: 20 s, at HC_EXPOSURE_REVIEW_SECONDS and under the automatic 30 s.
    expect((await ping(contact.token, encodeCell(52.52015, 13.40515, 8), [0, 1])).status).toBe(202);

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
    return { changeId: change.id, contactId: contact.userId, sourceId: source.userId };
  }

  it('serves the console with a strict Content-Security-Policy, keeping /v1/admin for the API', async () => {
    const api = sys.url('api');
    const redirect = await fetch(`${api}/admin`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/admin/');
    const index = await fetch(`${api}/admin/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await fetch(`${api}/admin/js/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${api}/admin/no-such-file.js`)).status).toBe(404);
    expect((await call('GET', `${api}/v1/admin/users/1/code`)).status).toBe(401);
  });

  it('logs in, approves a pending request from its evidence and shows the code change', async () => {
    const { changeId, contactId, sourceId } = await pendingReview();
    const api = sys.url('api');

    await page.goto(`${api}/admin`);
    await page.getByLabel('Username').fill(TEST_ADMIN.username);
    await page.getByLabel('Password').fill(TEST_ADMIN.password);
    await page.getByLabel('Password').press('Enter');

    // The review queue: the request is listed, with the age of the oldest pending one on top.
    const row = page.locator(`tr[data-id="${changeId}"]`);
    await row.waitFor();
    expect(await page.locator('#oldest-pending').textContent()).toMatch(/^Oldest pending: \d+/);
    expect(await row.textContent()).toContain(contactId);
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'admin-review-queue.png'), fullPage: true });

    // Keyboard: j moves to the first row (the only pending one in this system), o opens it.
    await page.keyboard.press('j');
    await page.keyboard.press('o');
    await page.getByRole('heading', { name: `Request #${changeId}` }).waitFor();
    const sources = page.getByRole('table', { name: 'Sources' });
    expect(await sources.textContent()).toContain(sourceId);
    expect(await page.locator('svg.timeline rect.tl-slot').count()).toBe(2);
    expect(await page.locator('svg.cell-grid rect.cell-contact').count()).toBe(1);

    await page.getByLabel('Note').fill('two slots next to a case; approved');
    await page.getByRole('button', { name: 'Approve (a)' }).click();
    await page.getByText(`Request ${changeId}: applied.`).waitFor();

    await page.locator('dl.facts').getByRole('link', { name: contactId }).click();
    await page.getByRole('heading', { name: `Person ${contactId}` }).waitFor();
    expect(await page.locator('#person-color').textContent()).toBe('yellow');
    expect(await page.getByRole('table', { name: 'Code history' }).textContent()).toContain('admin');

    // The API agrees with the page, and the page ran without script errors or CSP violations.
    expect(
      (
        await call('GET', `${api}/v1/admin/code-changes/${changeId}`, {
          token: (await call('POST', `${api}/v1/admin/sessions`, { body: TEST_ADMIN })).body.token,
        })
      ).body,
    ).toMatchObject({
      status: 'applied',
      note: 'two slots next to a case; approved',
      decidedBy: `admin:${TEST_ADMIN.username}`,
    });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
