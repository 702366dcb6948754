import type { DataSource } from 'typeorm';
import {
  appDataSource,
  createAccount,
  insertPendingRequests,
  loginAdmin,
  registerUsers,
  type Session,
} from '../support/admin.js';
import { call } from '../support/http.js';
import { FAST_GRID_ENV, startSystem, type TestSystem } from '../support/system.js';

const WINDOW_MS = Number(FAST_GRID_ENV.HC_WINDOW_SECONDS) * 1000;
const windowIso = (id: number) => new Date(id * WINDOW_MS).toISOString();
/** The filter of the requests of windows [first, end). */
const windows = (first: number, end: number) => ({ from: windowIso(first), to: windowIso(end) });
const qs = (q: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));

/**
 * The review queue as the officials' console uses it: filters, sorts, pages with a total, the CSV
 * export, bulk decisions by filter and claims, over the real api, Postgres and Redis.
 */
describe('admin review queue: filters, export, bulk by filter, claims', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let admin: Session;
  let rita: Session;
  let rex: Session;
  const api = (path: string) => `${sys.url('api')}${path}`;
  const list = async (q: Record<string, string | number>, token = admin.token) => {
    const r = await call('GET', api(`/v1/admin/code-changes?${qs(q)}`), { token });
    if (r.status !== 200) throw new Error(`list: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const auditOf = (action: string) =>
    sys.db.query<{ actor: string; after: any; note: string | null }>(
      'SELECT actor, after, note FROM admin_audit WHERE action = $1 ORDER BY id',
      [action],
    );

  /** Many people, registered a hundred at a time (not a thousand connections at once). */
  async function people(n: number) {
    const out: { userId: string; token: string }[] = [];
    while (out.length < n) out.push(...(await registerUsers(sys, Math.min(100, n - out.length))));
    return out;
  }

  /** Pending requests of new people in window `windowId` with these exposures; their ids in order. */
  async function requests(windowId: number, exposures: number[]): Promise<{ ids: string[]; userIds: string[] }> {
    const registered = await registerUsers(sys, exposures.length);
    const ids: string[] = [];
    for (const [i, p] of registered.entries())
      ids.push(...(await insertPendingRequests(ds, [p.userId], { windowId, exposureSeconds: exposures[i] })).ids);
    return { ids, userIds: registered.map((p) => p.userId) };
  }

  async function evidence(windowId: number, contactId: string, sourceId: string, cells: string[]): Promise<void> {
    await sys.db.query(
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells) VALUES ($1, $2, $3, 20, '{1}', $4)`,
      [windowId, contactId, sourceId, cells],
    );
  }

  beforeAll(async () => {
    sys = await startSystem('admin_queue', ['api']);
    ds = await appDataSource(sys);
    admin = await loginAdmin(sys);
    rita = await createAccount(sys, 'rita', 'reviewer');
    rex = await createAccount(sys, 'rex', 'reviewer');
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  it('filters by exposure, window, area, source and kind, sorts, and pages with a total', async () => {
    const a = await requests(6000, [40, 20, 30]);
    const b = await requests(6001, [50, 10]);
    await sys.db.query(`UPDATE code_changes SET auto = true WHERE id = $1`, [b.ids[0]]);
    const [source] = await registerUsers(sys, 1);
    await evidence(6000, a.userIds[0], source.userId, ['u33dc0cp']);
    await evidence(6001, b.userIds[1], source.userId, ['u33dc1zz', 'u4pruydq']);
    await evidence(6000, a.userIds[2], a.userIds[1], ['s0000000']);
    const both = windows(6000, 6002);

    const all = await list({ ...both, status: 'pending', pageSize: 2 });
    expect(all).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(all.items.map((c: any) => c.id)).toEqual(a.ids.slice(0, 2)); // oldest first
    expect(all.items[0]).toMatchObject({
      windowId: 6000,
      windowStart: windowIso(6000),
      windowEnd: windowIso(6001),
      claimedBy: null,
      claimExpiresAt: null,
    });
    const last = await list({ ...both, status: 'pending', pageSize: 2, page: 3 });
    expect(last.items.map((c: any) => c.id)).toEqual([b.ids[1]]);

    const ids = async (q: Record<string, string | number>) =>
      (await list({ ...both, ...q })).items.map((c: any) => c.id);
    expect(await ids({ sort: 'exposure', order: 'desc' })).toEqual([b.ids[0], a.ids[0], a.ids[2], a.ids[1], b.ids[1]]);
    expect(await ids({ sort: 'window', order: 'desc' })).toEqual([b.ids[1], b.ids[0], a.ids[2], a.ids[1], a.ids[0]]);
    expect(await ids({ exposureMin: 20, exposureMax: 40 })).toEqual([a.ids[0], a.ids[1], a.ids[2]]);
    expect(await ids(windows(6001, 6002))).toEqual(b.ids);
    expect(await ids({ area: 'u33dc' })).toEqual([a.ids[0], b.ids[1]]);
    expect(await ids({ area: 'u4p' })).toEqual([b.ids[1]]);
    expect(await ids({ source: source.userId })).toEqual([a.ids[0], b.ids[1]]);
    expect(await ids({ source: a.userIds[1] })).toEqual([a.ids[2]]);
    expect(await ids({ kind: 'auto' })).toEqual([b.ids[0]]);
    expect(await ids({ kind: 'review', exposureMin: 45 })).toEqual([]);

    await call('POST', api(`/v1/admin/code-changes/${a.ids[1]}/reject`), { token: rita.token, body: {} });
    expect(await ids({ decidedBy: 'rita' })).toEqual([a.ids[1]]);
    expect(await ids({ status: 'pending', decidedBy: 'rita' })).toEqual([]);
    expect((await list({ ...both, status: 'pending' })).total).toBe(4);
  });

  it('keeps the cursor form (limit, cursor) in id order', async () => {
    const { ids } = await requests(6010, [20, 20, 20]);
    const first = await list({ ...windows(6010, 6011), limit: 2 });
    expect(first.items.map((c: any) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.total).toBeUndefined();
    const next = await list({ ...windows(6010, 6011), limit: 2, cursor: first.nextCursor });
    expect(next).toMatchObject({ items: [{ id: ids[2] }], nextCursor: null });
  });

  it.each([
    ['area', { area: 'u33a' }],
    ['exposureMin', { exposureMin: -1 }],
    ['exposureMax', { exposureMin: 30, exposureMax: 20 }],
    ['to', { from: windowIso(2), to: windowIso(1) }],
    ['sort', { sort: 'name' }],
    ['pageSize', { pageSize: 501 }],
    ['source', { source: 'me' }],
    ['page', { page: 2, cursor: 'x' }],
  ])('answers a bad %s with 400 naming it', async (field, q) => {
    const r = await call('GET', api(`/v1/admin/code-changes?${qs(q)}`), { token: admin.token });
    expect(r.status).toBe(400);
    expect(r.body.details.map((d: any) => d.field)).toContain(field);
  });

  it('exports the filtered list as CSV in the order asked for, and audits the export', async () => {
    const { ids, userIds } = await requests(6020, [25, 45]);
    const r = await fetch(
      api(`/v1/admin/code-changes/export.csv?${qs({ ...windows(6020, 6021), sort: 'exposure', order: 'desc' })}`),
      {
        headers: { authorization: `Bearer ${rex.token}` },
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="code-changes-[\d-]+\.csv"$/);
    const lines = (await r.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'id,userId,fromColor,toColor,status,auto,exposureSeconds,windowStart,windowEnd,createdAt,decidedBy,decidedAt',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 9))).toEqual([
      [ids[1], userIds[1], 'green', 'yellow', 'pending', 'false', '45', windowIso(6020), windowIso(6021)],
      [ids[0], userIds[0], 'green', 'yellow', 'pending', 'false', '25', windowIso(6020), windowIso(6021)],
    ]);
    expect((await auditOf('code_change.export')).at(-1)).toMatchObject({
      actor: 'rex',
      after: { filter: windows(6020, 6021), sort: 'exposure', order: 'desc' },
    });
  });

  it('streams an export larger than one batch, every row once', async () => {
    const many = await people(1_200);
    await insertPendingRequests(
      ds,
      many.map((p) => p.userId),
      { windowId: 6030 },
    );
    const r = await fetch(api(`/v1/admin/code-changes/export.csv?${qs(windows(6030, 6031))}`), {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const rows = (await r.text()).trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(1_200);
    expect(new Set(rows.map((l) => l.split(',')[1]))).toEqual(new Set(many.map((p) => p.userId)));
  }, 60_000);

  it('approves 500 requests matching a filter at once: one audit row with the count, 500 history rows', async () => {
    const persons = await people(500);
    const { ids } = await insertPendingRequests(
      ds,
      persons.map((p) => p.userId),
      { windowId: 6040, exposureSeconds: 30 },
    );
    // Not matching: another window, and another exposure.
    const outside = [...(await requests(6041, [30])).ids, ...(await requests(6040, [10])).ids];
    const filter = { ...windows(6040, 6041), exposureMin: 20 };

    const preview = await call('POST', api('/v1/admin/code-changes/bulk-by-filter/preview'), {
      token: rita.token,
      body: { filter },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ count: 500, token: expect.any(String) });
    const decide = (body: object, token = rita.token) =>
      call('POST', api('/v1/admin/code-changes/bulk-by-filter'), { token, body });
    const body = {
      filter,
      decision: 'approve',
      note: 'household cluster',
      expectedCount: 500,
      token: preview.body.token,
    };

    // The token binds the account, the filter and the count.
    expect((await decide(body, rex.token)).body.details[0].field).toBe('token');
    expect((await decide({ ...body, filter: { ...filter, exposureMin: 10 } })).body.details[0].field).toBe('filter');
    expect((await decide({ ...body, expectedCount: 499 })).body.details[0].field).toBe('expectedCount');

    const done = await decide(body);
    expect(done).toMatchObject({ status: 200, body: { decided: 500 } });
    const [decided] = await sys.db.query(
      `SELECT count(*)::int AS n FROM code_changes WHERE id = ANY($1::bigint[]) AND status = 'applied' AND decided_by = 'admin:rita' AND note = 'household cluster'`,
      [ids],
    );
    expect(decided.n).toBe(500);
    const [history] = await sys.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT user_id)::int AS people FROM code_history WHERE change_id = ANY($1::bigint[]) AND to_color = 'yellow' AND actor = 'admin:rita'`,
      [ids],
    );
    expect(history).toEqual({ n: 500, people: 500 });
    expect(await auditOf('code_change.bulk_decide')).toEqual([
      {
        actor: 'rita',
        after: { decision: 'approve', count: 500, filter: { exposureMin: 20, ...windows(6040, 6041) } },
        note: 'household cluster',
      },
    ]);
    const [stillPending] = await sys.db.query(
      `SELECT count(*)::int AS n FROM code_changes WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [outside],
    );
    expect(stillPending.n).toBe(2);
    // The read model answers the new codes.
    const me = await call('GET', api('/v1/codes/me'), { token: persons[0].token });
    expect(me.body.color).toBe('yellow');
  }, 120_000);

  it('decides nothing when the matching set changed since the preview (409)', async () => {
    const { ids } = await requests(6050, [20, 20]);
    const filter = windows(6050, 6051);
    const preview = await call('POST', api('/v1/admin/code-changes/bulk-by-filter/preview'), {
      token: admin.token,
      body: { filter },
    });
    expect(preview.body.count).toBe(2);
    const late = await requests(6050, [20]);
    const r = await call('POST', api('/v1/admin/code-changes/bulk-by-filter'), {
      token: admin.token,
      body: { filter, decision: 'reject', expectedCount: 2, token: preview.body.token },
    });
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('3');
    const rows = await sys.db.query<{ status: string }>(
      `SELECT status FROM code_changes WHERE id = ANY($1::bigint[])`,
      [[...ids, ...late.ids]],
    );
    expect(rows.map((x) => x.status)).toEqual(['pending', 'pending', 'pending']);
    const bad = await call('POST', api('/v1/admin/code-changes/bulk-by-filter/preview'), {
      token: admin.token,
      body: { filter: { status: 'applied' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('filter.status');
  });

  it('claims a batch for one reviewer: others get other requests, and deciding a claimed one is 409 until it expires', async () => {
    const { ids } = await requests(6060, [20, 20, 20, 20, 20]);
    const filter = windows(6060, 6061);
    const claim = (token: string, count: number) =>
      call('POST', api('/v1/admin/code-changes/claims'), { token, body: { count, filter } });

    const mine = await claim(rita.token, 3);
    expect(mine.status).toBe(200);
    expect(mine.body.claimed.map((c: any) => c.id)).toEqual(ids.slice(0, 3));
    expect(mine.body.claimed[0].claimedBy).toBe('rita');
    const expiresAt = Date.parse(mine.body.expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(850_000); // HC_CLAIM_SECONDS, 900 by default
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(900_000);
    expect((await claim(rex.token, 5)).body.claimed.map((c: any) => c.id)).toEqual(ids.slice(3));
    expect((await list({ ...filter, pageSize: 1 })).items[0]).toMatchObject({
      claimedBy: 'rita',
      claimExpiresAt: mine.body.expiresAt,
    });

    const taken = await call('POST', api(`/v1/admin/code-changes/${ids[0]}/approve`), { token: rex.token, body: {} });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain('claimed by rita');
    expect(taken.body.details).toEqual([{ claimedBy: 'rita' }]);
    const bulk = await call('POST', api('/v1/admin/code-changes/decisions'), {
      token: rex.token,
      body: { ids: [ids[1]], decision: 'reject' },
    });
    expect(bulk.body.items).toEqual([{ id: ids[1], status: 'pending', error: 'CONFLICT' }]);
    // A bulk decision by filter leaves out the requests others claimed.
    const preview = await call('POST', api('/v1/admin/code-changes/bulk-by-filter/preview'), {
      token: rex.token,
      body: { filter },
    });
    expect(preview.body.count).toBe(2);
    // The claimer decides their own.
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${ids[1]}/reject`), { token: rita.token, body: {} })).status,
    ).toBe(200);

    // Once the claim has expired (its time moved into the past), anyone may decide.
    await sys.db.query(`UPDATE code_changes SET claim_expires_at = now() - interval '1 second' WHERE id = $1`, [
      ids[2],
    ]);
    expect((await list({ ...filter, pageSize: 3 })).items[2]).toMatchObject({ id: ids[2], claimedBy: null });
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${ids[2]}/reject`), { token: rex.token, body: {} })).status,
    ).toBe(200);

    // Releasing ends the caller's live claims only.
    const released = await call('DELETE', api('/v1/admin/code-changes/claims'), { token: rita.token });
    expect(released.body).toEqual({ released: 1 }); // ids[0]; ids[1] is decided, ids[2] expired
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${ids[0]}/approve`), { token: rex.token, body: {} })).status,
    ).toBe(200);
  });
});
