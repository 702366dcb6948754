import type { DataSource } from 'typeorm';
import { JobName, traceWindowJobId } from '#libs/queue/index.js';
import {
  appDataSource,
  auditRows,
  createAccount,
  insertPendingRequests,
  loginAdmin,
  registerUsers,
  type Session,
} from '../support/admin.js';
import { call } from '../support/http.js';
import { startSystem, tracingQueue, type TestSystem } from '../support/system.js';

/** Deciding code changes: exactly once, applied as tracing applies them, undone when allowed, audited. */
describe('admin review of code changes', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let admin: Session;
  let reviewer: Session;
  const api = (path: string) => `${sys.url('api')}${path}`;
  const codeOf = async (userId: string) =>
    (await call('GET', api(`/v1/admin/users/${userId}/code`), { token: admin.token })).body;
  const myCode = async (token: string) => (await call('GET', api('/v1/codes/me'), { token })).body;

  beforeAll(async () => {
    sys = await startSystem('admin_review', ['api']);
    ds = await appDataSource(sys);
    admin = await loginAdmin(sys);
    reviewer = await createAccount(sys, 'rex', 'reviewer');
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  it('lets exactly one of many concurrent approvals win; the others get 409', async () => {
    const [user] = await registerUsers(sys, 1);
    const {
      ids: [id],
    } = await insertPendingRequests(ds, [user.userId]);
    const tokens = Array.from({ length: 10 }, (_, i) => (i % 2 ? admin.token : reviewer.token));
    const answers = await Promise.all(
      tokens.map((token) =>
        call('POST', api(`/v1/admin/code-changes/${id}/approve`), { token, body: { note: 'seen' } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const won = answers.find((a) => a.status === 200)!;
    expect(won.body).toMatchObject({
      id,
      userId: user.userId,
      status: 'applied',
      toColor: 'yellow',
      note: 'seen',
      decidedBy: expect.stringMatching(/^admin:(admin|rex)$/),
      decidedAt: expect.any(String),
    });
    expect(answers.find((a) => a.status === 409)!.body).toEqual({
      error: 'CONFLICT',
      message: expect.stringContaining('no longer pending'),
    });
    // Applied as tracing applies a change: the code, one history row, the cache.
    expect((await codeOf(user.userId)).color).toBe('yellow');
    expect(await sys.db.query('SELECT 1 FROM code_history WHERE change_id = $1', [id])).toHaveLength(1);
    expect((await myCode(user.token)).color).toBe('yellow');
    expect(await auditRows(sys, 'code-change', id)).toEqual([
      {
        action: 'code-change.approve',
        actor: won.body.decidedBy.slice('admin:'.length),
        before: { status: 'pending', color: 'green' },
        after: { status: 'applied', color: 'yellow' },
        note: 'seen',
      },
    ]);
  });

  it('rejects once, writes one audit row, and refuses a later approval with 409', async () => {
    const [user] = await registerUsers(sys, 1);
    const {
      ids: [id],
    } = await insertPendingRequests(ds, [user.userId]);
    const rejected = await call('POST', api(`/v1/admin/code-changes/${id}/reject`), {
      token: reviewer.token,
      body: { note: 'not plausible' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: 'admin:rex', note: 'not plausible' });
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${id}/approve`), { token: admin.token, body: {} })).status,
    ).toBe(409);
    expect((await codeOf(user.userId)).color).toBe('green');
    expect(await auditRows(sys, 'code-change', id)).toEqual([
      expect.objectContaining({
        action: 'code-change.reject',
        before: { status: 'pending' },
        after: { status: 'rejected' },
      }),
    ]);
  });

  it('supersedes an approval that would lower a code (a red person stays red)', async () => {
    const [user] = await registerUsers(sys, 1);
    const {
      ids: [id],
    } = await insertPendingRequests(ds, [user.userId]);
    expect(
      (
        await call('PUT', api(`/v1/admin/users/${user.userId}/code`), {
          token: admin.token,
          body: { color: 'red', reason: 'positive test' },
        })
      ).status,
    ).toBe(200);
    const r = await call('POST', api(`/v1/admin/code-changes/${id}/approve`), { token: admin.token, body: {} });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('superseded');
    expect((await codeOf(user.userId)).color).toBe('red');
    expect(await auditRows(sys, 'code-change', id)).toHaveLength(1);
  });

  it('decides a bulk of ids once each and says what became of each', async () => {
    const users = await registerUsers(sys, 3);
    const {
      ids: [a, b, c],
    } = await insertPendingRequests(
      ds,
      users.map((u) => u.userId),
    );
    await call('POST', api(`/v1/admin/code-changes/${c}/reject`), { token: admin.token, body: {} });
    const r = await call('POST', api('/v1/admin/code-changes/decisions'), {
      token: reviewer.token,
      body: { ids: [a, b, a, '999999999', c], decision: 'approve', note: 'batch' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      items: [
        { id: a, status: 'applied' },
        { id: b, status: 'applied' },
        { id: '999999999', status: 'not_found', error: 'NOT_FOUND' },
        { id: c, status: 'rejected', error: 'CONFLICT' },
      ],
    });
    for (const id of [a, b, c]) expect(await auditRows(sys, 'code-change', id)).toHaveLength(1);
    for (const u of users.slice(0, 2)) expect((await myCode(u.token)).color).toBe('yellow');
  });

  it('revokes an applied change: the previous code is back, with a history row, in the cache too', async () => {
    const [user] = await registerUsers(sys, 1);
    const {
      ids: [id],
    } = await insertPendingRequests(ds, [user.userId]);
    await call('POST', api(`/v1/admin/code-changes/${id}/approve`), { token: admin.token, body: {} });
    expect((await myCode(user.token)).color).toBe('yellow');

    expect(
      (await call('POST', api(`/v1/admin/code-changes/${id}/revoke`), { token: reviewer.token, body: { note: 'x' } }))
        .status,
    ).toBe(403);
    const r = await call('POST', api(`/v1/admin/code-changes/${id}/revoke`), {
      token: admin.token,
      body: { note: 'wrong red source' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'revoked', note: 'wrong red source', decidedBy: 'admin:admin' });
    const code = await codeOf(user.userId);
    expect(code).toMatchObject({ color: 'green', reason: 'registered', expiresAt: null });
    expect(code.history.slice(0, 2)).toEqual([
      { fromColor: 'yellow', toColor: 'green', reason: 'registered', actor: 'admin:admin', at: expect.any(String) },
      { fromColor: 'green', toColor: 'yellow', reason: 'exposure', actor: 'admin:admin', at: expect.any(String) },
    ]);
    expect((await myCode(user.token)).color).toBe('green');
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${id}/revoke`), { token: admin.token, body: { note: 'again' } }))
        .status,
    ).toBe(409);
    expect((await auditRows(sys, 'code-change', id)).map((a) => a.action)).toEqual([
      'code-change.approve',
      'code-change.revoke',
    ]);
  });

  it('refuses to revoke a change a newer one rests on, and restores the earlier yellow when the newer is revoked', async () => {
    const [user] = await registerUsers(sys, 1);
    const {
      ids: [first],
    } = await insertPendingRequests(ds, [user.userId]);
    const {
      ids: [second],
    } = await insertPendingRequests(ds, [user.userId]);
    await call('POST', api(`/v1/admin/code-changes/${first}/approve`), { token: admin.token, body: {} });
    const afterFirst = await codeOf(user.userId);
    await call('POST', api(`/v1/admin/code-changes/${second}/approve`), { token: admin.token, body: {} });
    expect((await codeOf(user.userId)).expiresAt > afterFirst.expiresAt).toBe(true);

    const refused = await call('POST', api(`/v1/admin/code-changes/${first}/revoke`), {
      token: admin.token,
      body: { note: 'x' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/newer change/);
    expect(
      (await call('POST', api(`/v1/admin/code-changes/${second}/revoke`), { token: admin.token, body: { note: 'y' } }))
        .status,
    ).toBe(200);
    expect(await codeOf(user.userId)).toMatchObject({
      color: 'yellow',
      expiresAt: afterFirst.expiresAt,
      reason: afterFirst.reason,
    });
  });

  it('shows a request with its evidence: window, exposure, sources, cells, slot times', async () => {
    const [user, source] = await registerUsers(sys, 2);
    const {
      windowId,
      ids: [id],
    } = await insertPendingRequests(ds, [user.userId], { exposureSeconds: 20 });
    const slot = windowId * 6; // 10 s slots, 60 s windows
    await sys.db.query(
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells, meters, seconds_apart)
       VALUES ($1, $2, $3, 20, $4, $5, 4.25, 120)`,
      [windowId, user.userId, source.userId, [slot, slot + 1], ['u33dc0cp', 'u33dc0cr']],
    );
    const r = await call('GET', api(`/v1/admin/code-changes/${id}`), { token: reviewer.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      userId: user.userId,
      status: 'pending',
      auto: false,
      exposureSeconds: 20,
      windowId,
    });
    expect(r.body.evidence).toEqual({
      windows: [
        {
          id: windowId,
          startsAt: new Date(windowId * 60_000).toISOString(),
          endsAt: new Date((windowId + 1) * 60_000).toISOString(),
          status: 'done',
        },
      ],
      exposureSeconds: 20,
      slotSeconds: 10,
      sources: [
        {
          sourceId: source.userId,
          exposureSeconds: 20,
          cells: ['u33dc0cp', 'u33dc0cr'],
          slotTimes: [new Date(slot * 10_000).toISOString(), new Date((slot + 1) * 10_000).toISOString()],
          closest: { meters: 4.3, secondsApart: 120 },
        },
      ],
    });
    expect((await call('GET', api('/v1/admin/code-changes/999999999'), { token: reviewer.token })).status).toBe(404);
  });

  it('walks every pending request exactly once, oldest first, page by page', async () => {
    const users = await registerUsers(sys, 23);
    await insertPendingRequests(
      ds,
      users.map((u) => u.userId),
    );
    const expected = (
      await sys.db.query<{ id: string }>(`SELECT id::text FROM code_changes WHERE status = 'pending' ORDER BY id`)
    ).map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/admin/code-changes?status=pending&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await call('GET', api(q), { token: reviewer.token });
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((i: { id: string; status: string }) => i.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 5));
  });

  it('pages windows newest first and reruns a traced one (202), refusing unknown (404) and untraced (409) ones', async () => {
    await ds.query(
      `INSERT INTO windows (id, starts_at, ends_at) SELECT i, to_timestamp(i * 60), to_timestamp((i + 1) * 60) FROM generate_series(5000, 5011) i`,
    );
    await ds.query(`UPDATE windows SET status = 'done' WHERE id = 5003`);
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: { id: number }[]; nextCursor: string | null } } = await call(
        'GET',
        api(`/v1/admin/windows?limit=5${cursor ? `&cursor=${cursor}` : ''}`),
        { token: admin.token },
      );
      ids.push(...r.body.items.map((w: { id: number }) => w.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([5000, 5011]));

    const rerun = await call('POST', api('/v1/admin/windows/5003/rerun'), { token: admin.token });
    expect(rerun.status).toBe(202);
    expect(rerun.body).toEqual({ windowId: 5003, generation: 1, status: 'closing' });
    expect(await sys.db.query('SELECT status, generation FROM windows WHERE id = 5003')).toEqual([
      { status: 'closing', generation: 1 },
    ]);
    const queue = tracingQueue(sys);
    try {
      const job = await queue.getJob(traceWindowJobId(5003, 1));
      expect({ name: job?.name, data: job?.data }).toEqual({
        name: JobName.TraceWindow,
        data: { windowId: 5003, generation: 1 },
      });
    } finally {
      await queue.close();
    }
    expect((await call('POST', api('/v1/admin/windows/5003/rerun'), { token: admin.token })).status).toBe(409);
    expect((await call('POST', api('/v1/admin/windows/5004/rerun'), { token: admin.token })).status).toBe(409);
    expect((await call('POST', api('/v1/admin/windows/4999/rerun'), { token: admin.token })).status).toBe(404);
    expect(await auditRows(sys, 'window', '5003')).toEqual([
      expect.objectContaining({
        action: 'window.rerun',
        before: { status: 'done', generation: 0 },
        after: { status: 'closing', generation: 1 },
      }),
    ]);
  });

  it.each([
    ['a code-change id that is not digits', 'POST', '/v1/admin/code-changes/abc/approve', {}, 'id'],
    ['a note that is not a string', 'POST', '/v1/admin/code-changes/1/approve', { note: 5 }, 'note'],
    ['an unknown field', 'POST', '/v1/admin/code-changes/1/reject', { reason: 'x' }, 'reason'],
    ['a revoke without a note', 'POST', '/v1/admin/code-changes/1/revoke', {}, 'note'],
    ['ids that are not a list', 'POST', '/v1/admin/code-changes/decisions', { ids: '1', decision: 'approve' }, 'ids'],
    ['an empty list of ids', 'POST', '/v1/admin/code-changes/decisions', { ids: [], decision: 'approve' }, 'ids'],
    ['an unknown decision', 'POST', '/v1/admin/code-changes/decisions', { ids: ['1'], decision: 'maybe' }, 'decision'],
    ['an unknown status filter', 'GET', '/v1/admin/code-changes?status=open', undefined, 'status'],
    ['a limit of 0', 'GET', '/v1/admin/code-changes?limit=0', undefined, 'limit'],
    ['a limit that is not a number', 'GET', '/v1/admin/windows?limit=ten', undefined, 'limit'],
    ['a cursor this API did not issue', 'GET', '/v1/admin/code-changes?cursor=bm9wZQ', undefined, 'cursor'],
    ['a window id that is not digits', 'POST', '/v1/admin/windows/x1/rerun', undefined, 'id'],
  ])('answers 400 naming the field for %s', async (_, method, path, body, field) => {
    const r = await call(method, api(path), { token: admin.token, body });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('VALIDATION');
    expect(r.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('exports the review queue and the decisions per role as metrics', async () => {
    const [user] = await registerUsers(sys, 1);
    await insertPendingRequests(ds, [user.userId]);
    const [{ n }] = await sys.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM code_changes WHERE status = 'pending'`,
    );
    const text = await (await fetch(`${sys.metricsUrl('api')}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^hc_code_changes_pending\\{[^}]*\\} ${n}$`, 'm'));
    expect(text).toMatch(/^hc_code_changes_oldest_pending_age_seconds\{[^}]*\} [\d.]+$/m);
    expect(text).toMatch(/^hc_admin_decisions_total\{role="reviewer",decision="applied"[^}]*\} [1-9]\d*$/m);
    expect(text).toMatch(/^hc_admin_decisions_total\{role="admin",decision="revoked"[^}]*\} [1-9]\d*$/m);
  });

  it("lists the new routes in the admin API's OpenAPI document", async () => {
    const doc = (await call('GET', api('/v1/admin/docs-json'), { token: admin.token })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/admin/code-changes',
        '/v1/admin/code-changes/{id}',
        '/v1/admin/code-changes/{id}/approve',
        '/v1/admin/code-changes/{id}/reject',
        '/v1/admin/code-changes/decisions',
        '/v1/admin/code-changes/{id}/revoke',
        '/v1/admin/windows',
        '/v1/admin/windows/{id}/rerun',
      ]),
    );
  });
});
