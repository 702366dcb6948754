import type { DataSource } from 'typeorm';
import {
  appDataSource,
  createAccount,
  insertPendingRequests,
  login,
  loginAdmin,
  registerUsers,
  type Session,
} from '../support/admin.js';
import { call } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * The audit trail as admins read it (filters, pages), reads of personal data recorded in it, and
 * accounts managed over the API under the CLI's rules.
 */
describe('admin audit trail, read auditing and accounts', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let admin: Session;
  let rita: Session;
  const api = (path: string) => `${sys.url('api')}${path}`;
  const audit = async (q: Record<string, string | number>, token = admin.token) => {
    const r = await call(
      'GET',
      api(`/v1/admin/audit?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`),
      {
        token,
      },
    );
    if (r.status !== 200) throw new Error(`audit: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  beforeAll(async () => {
    sys = await startSystem('admin_audit', ['api']);
    ds = await appDataSource(sys);
    admin = await loginAdmin(sys);
    rita = await createAccount(sys, 'rita', 'reviewer');
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  it("records who read a person's code, history and evidence, before answering", async () => {
    const [person, source] = await registerUsers(sys, 2);
    const {
      windowId,
      ids: [id],
    } = await insertPendingRequests(ds, [person.userId]);
    await sys.db.query(
      `INSERT INTO exposures (window_id, contact_id, source_id, seconds, slots, cells) VALUES ($1, $2, $3, 20, '{1}', '{u33dc0cp}')`,
      [windowId, person.userId, source.userId],
    );
    const before = Date.now();
    expect((await call('GET', api(`/v1/admin/users/${person.userId}/code`), { token: rita.token })).status).toBe(200);
    expect((await call('GET', api(`/v1/admin/code-changes/${id}`), { token: rita.token })).status).toBe(200);
    // Nothing was read, nothing is recorded.
    expect((await call('GET', api('/v1/admin/users/999999999/code'), { token: rita.token })).status).toBe(404);

    const page = await audit({ person: person.userId });
    expect(page.total).toBe(3);
    expect(page.items.map((i: any) => [i.actor, i.action, i.targetType, i.targetId])).toEqual([
      ['rita', 'code_change.evidence.read', 'user', person.userId],
      ['rita', 'person.history.read', 'user', person.userId],
      ['rita', 'person.code.read', 'user', person.userId],
    ]);
    expect(page.items[0].after).toEqual({ codeChangeId: id, windowId, sources: 1 });
    for (const item of page.items) expect(Date.parse(item.at)).toBeGreaterThanOrEqual(before - 1000);
    expect((await audit({ action: 'person.code.read', actor: 'rita' })).total).toBe(1);
  });

  it('filters the trail by actor, action, person and time, newest first, paged with a total', async () => {
    const [person] = await registerUsers(sys, 1);
    const {
      ids: [id],
    } = await insertPendingRequests(ds, [person.userId]);
    const from = new Date().toISOString();
    await call('PUT', api(`/v1/admin/users/${person.userId}/code`), {
      token: admin.token,
      body: { color: 'red', reason: 'positive test' },
    });
    await call('POST', api(`/v1/admin/code-changes/${id}/approve`), { token: rita.token, body: { note: 'seen' } });

    // A person's actions include those on their requests.
    const mine = await audit({ person: person.userId });
    expect(mine.items.map((i: any) => [i.actor, i.action, i.note])).toEqual([
      ['rita', 'code-change.approve', 'seen'],
      ['admin', 'code.set', null],
    ]);
    expect(mine.items[1]).toMatchObject({ targetType: 'user', targetId: person.userId, after: { color: 'red' } });
    expect((await audit({ person: person.userId, actor: 'admin' })).items.map((i: any) => i.action)).toEqual([
      'code.set',
    ]);
    const since = await audit({ from, action: 'code.set' });
    expect(since.items.map((i: any) => i.targetId)).toEqual([person.userId]);
    expect((await audit({ to: from, person: person.userId })).total).toBe(0);

    const first = await audit({ pageSize: 2 });
    const second = await audit({ pageSize: 2, page: 2 });
    expect(first.total).toBe(second.total);
    expect(first.total).toBeGreaterThan(4);
    expect(Number(first.items[1].id)).toBeGreaterThan(Number(second.items[0].id));
  });

  it.each([
    ['person', { person: 'x' }],
    ['to', { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }],
    ['pageSize', { pageSize: 0 }],
    ['action', { action: 'DROP TABLE' }],
  ])('answers a bad %s with 400 naming it', async (field, q) => {
    const r = await call('GET', api(`/v1/admin/audit?${new URLSearchParams(q as Record<string, string>)}`), {
      token: admin.token,
    });
    expect(r.status).toBe(400);
    expect(r.body.details.map((d: any) => d.field)).toContain(field);
  });

  it('creates a reviewer who then logs in and claims a batch; disables, enables and resets, each audited', async () => {
    const created = await call('POST', api('/v1/admin/accounts'), {
      token: admin.token,
      body: { username: 'vera', role: 'reviewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ username: 'vera', role: 'reviewer', password: expect.stringMatching(/^\S{20,}$/) });
    const vera = await login(sys, 'vera', created.body.password);
    expect(vera.role).toBe('reviewer');
    await insertPendingRequests(
      ds,
      (await registerUsers(sys, 2)).map((u) => u.userId),
    );
    const claimed = await call('POST', api('/v1/admin/code-changes/claims'), { token: vera.token, body: { count: 2 } });
    expect(claimed.status).toBe(200);
    expect(claimed.body.claimed.map((c: any) => c.claimedBy)).toEqual(['vera', 'vera']);

    const accounts = await call('GET', api('/v1/admin/accounts'), { token: admin.token });
    expect(accounts.body.items.find((a: any) => a.username === 'vera')).toEqual({
      username: 'vera',
      role: 'reviewer',
      disabled: false,
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(accounts.body)).not.toMatch(/argon2|passwordHash/);

    const disable = await call('POST', api('/v1/admin/accounts/vera/disable'), {
      token: admin.token,
      body: { note: 'left the team' },
    });
    expect(disable.status).toBe(204);
    expect((await call('GET', api('/v1/admin/code-changes'), { token: vera.token })).status).toBe(401);
    expect((await call('POST', api('/v1/admin/accounts/vera/enable'), { token: admin.token })).status).toBe(204);
    const reset = await call('POST', api('/v1/admin/accounts/vera/password'), {
      token: admin.token,
      body: { password: 'a-chosen-password-for-vera' },
    });
    expect(reset).toMatchObject({ status: 200, body: {} });
    expect((await login(sys, 'vera', 'a-chosen-password-for-vera')).role).toBe('reviewer');
    const generated = await call('POST', api('/v1/admin/accounts/vera/password'), { token: admin.token, body: {} });
    expect(generated.body.password).toMatch(/^\S{20,}$/);
    expect((await login(sys, 'vera', generated.body.password)).role).toBe('reviewer');

    const trail = await audit({ actor: 'admin', pageSize: 20 });
    const actions = trail.items
      .filter((i: any) => i.targetType === 'admin' && i.action.startsWith('admin.'))
      .map((i: any) => [i.action, i.note]);
    expect(actions).toEqual([
      ['admin.reset-password', null],
      ['admin.reset-password', null],
      ['admin.enable', null],
      ['admin.disable', 'left the team'],
      ['admin.create', null],
    ]);
    expect(JSON.stringify(trail)).not.toMatch(/argon2|a-chosen-password/);
  });

  it.each([
    ['username', 'POST', '/v1/admin/accounts', { username: 'Bad Name', role: 'reviewer' }, 400],
    ['password', 'POST', '/v1/admin/accounts', { username: 'walt', role: 'reviewer', password: 'short' }, 400],
    ['role', 'POST', '/v1/admin/accounts', { username: 'walt', role: 'root' }, 400],
    ['password', 'POST', '/v1/admin/accounts/rita/password', { password: 'x'.repeat(257) }, 400],
    ['username', 'POST', '/v1/admin/accounts/NOPE/disable', {}, 400],
  ])('refuses a bad %s as the CLI does (%s %s)', async (field, method, path, body, status) => {
    const r = await call(method, api(path), { token: admin.token, body });
    expect(r.status).toBe(status);
    expect(r.body.details.map((d: any) => d.field)).toContain(field);
  });

  it('answers a taken username 409, an unknown one 404, and an admin disabling themselves 409', async () => {
    const taken = await call('POST', api('/v1/admin/accounts'), {
      token: admin.token,
      body: { username: 'rita', role: 'admin' },
    });
    expect(taken.status).toBe(409);
    expect((await call('POST', api('/v1/admin/accounts/nobody/enable'), { token: admin.token })).status).toBe(404);
    expect((await call('POST', api('/v1/admin/accounts/admin/disable'), { token: admin.token, body: {} })).status).toBe(
      409,
    );
  });
});
