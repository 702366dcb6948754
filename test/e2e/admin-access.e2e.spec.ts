import type { DataSource } from 'typeorm';
import {
  appDataSource,
  createAccount,
  expiredAdminToken,
  insertAccount,
  insertPendingRequests,
  loginAdmin,
  registerUsers,
  type Session,
} from '../support/admin.js';
import { call } from '../support/http.js';
import { EMPTY_FILTER, bulkByFilterBody } from '../support/security-routes.js';
import { startSystem, type TestSystem } from '../support/system.js';

type Who = 'no token' | 'user token' | 'expired token' | 'disabled' | 'reviewer' | 'admin';
const EVERYONE: Who[] = ['no token', 'user token', 'expired token', 'disabled', 'reviewer', 'admin'];

/**
 * Every admin route (docs/api.md, Admin API) for every kind of caller: 401 without a valid token
 * (none, expired, or of an account disabled since its login), 403 for a phone's token or a role
 * without the right, and the route's own answer otherwise.
 */
describe('admin routes: who may call what', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let tokens: Record<Who, string | undefined>;
  let userId: string;
  /** A person whose tokens are revoked (not the user whose token is a caller). */
  let phoneOwner: string;
  let pending: string[];

  beforeAll(async () => {
    sys = await startSystem('admin_access', ['api']);
    ds = await appDataSource(sys);
    const [user] = await registerUsers(sys, 1);
    userId = user.userId;
    phoneOwner = (await registerUsers(sys, 1))[0].userId;
    const admin: Session = await loginAdmin(sys);
    const reviewer = await createAccount(sys, 'rita', 'reviewer');
    tokens = {
      'no token': undefined,
      'user token': user.token,
      'expired token': await expiredAdminToken(sys),
      // An admin who logged in and was disabled afterwards: the token alone is still valid.
      disabled: (await createAccount(sys, 'dina', 'admin')).token,
      reviewer: reviewer.token,
      admin: admin.token,
    };
    await sys.db.query(`UPDATE admins SET disabled = true WHERE username = 'dina'`);
    for (const name of ['acct-a', 'acct-b', 'acct-c']) await insertAccount(sys, name, 'reviewer');
    // Each role that may approve/reject gets its own pending request.
    pending = (
      await insertPendingRequests(
        ds,
        (await registerUsers(sys, 4)).map((u) => u.userId),
      )
    ).ids;
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  let created = 0;
  // [name, method, path, body (or how to make it for a caller), roles allowed, status when allowed]
  const routes: [string, string, (who: Who) => string, unknown, Who[], number][] = [
    [
      'set a code',
      'PUT',
      () => `/v1/admin/users/${userId}/code`,
      { color: 'green', reason: 'checked' },
      ['admin'],
      200,
    ],
    ['read a code', 'GET', () => `/v1/admin/users/${userId}/code`, undefined, ['admin', 'reviewer'], 200],
    [
      "revoke a person's tokens",
      'POST',
      () => `/v1/admin/users/${phoneOwner}/tokens/revoke`,
      { note: 'lost phone' },
      ['admin'],
      200,
    ],
    ['list code changes', 'GET', () => '/v1/admin/code-changes?status=pending', undefined, ['admin', 'reviewer'], 200],
    ['read a code change', 'GET', () => `/v1/admin/code-changes/${pending[0]}`, undefined, ['admin', 'reviewer'], 200],
    [
      'approve',
      'POST',
      (who) => `/v1/admin/code-changes/${pending[who === 'admin' ? 0 : 1]}/approve`,
      {},
      ['admin', 'reviewer'],
      200,
    ],
    [
      'reject',
      'POST',
      (who) => `/v1/admin/code-changes/${pending[who === 'admin' ? 2 : 3]}/reject`,
      {},
      ['admin', 'reviewer'],
      200,
    ],
    [
      'bulk decisions',
      'POST',
      () => '/v1/admin/code-changes/decisions',
      { ids: ['999999999'], decision: 'reject' },
      ['admin', 'reviewer'],
      200,
    ],
    ['revoke', 'POST', () => '/v1/admin/code-changes/999999999/revoke', { note: 'mistake' }, ['admin'], 404],
    [
      'export the queue',
      'GET',
      () => `/v1/admin/code-changes/export.csv?source=${EMPTY_FILTER.source}`,
      undefined,
      ['admin', 'reviewer'],
      200,
    ],
    [
      'preview a bulk decision',
      'POST',
      () => '/v1/admin/code-changes/bulk-by-filter/preview',
      { filter: EMPTY_FILTER },
      ['admin', 'reviewer'],
      200,
    ],
    [
      'bulk decision by filter',
      'POST',
      () => '/v1/admin/code-changes/bulk-by-filter',
      (who: Who) => bulkByFilterBody(sys.url('api'), tokens[who]),
      ['admin', 'reviewer'],
      200,
    ],
    [
      'claim',
      'POST',
      () => '/v1/admin/code-changes/claims',
      { count: 1, filter: EMPTY_FILTER },
      ['admin', 'reviewer'],
      200,
    ],
    ['release claims', 'DELETE', () => '/v1/admin/code-changes/claims', undefined, ['admin', 'reviewer'], 200],
    ['read the audit trail', 'GET', () => '/v1/admin/audit?pageSize=5', undefined, ['admin'], 200],
    ['list accounts', 'GET', () => '/v1/admin/accounts', undefined, ['admin'], 200],
    [
      'create an account',
      'POST',
      () => '/v1/admin/accounts',
      () => ({ username: `made-${++created}`, role: 'reviewer' }),
      ['admin'],
      201,
    ],
    ['disable an account', 'POST', () => '/v1/admin/accounts/acct-a/disable', {}, ['admin'], 204],
    ['enable an account', 'POST', () => '/v1/admin/accounts/acct-b/enable', undefined, ['admin'], 204],
    ['reset a password', 'POST', () => '/v1/admin/accounts/acct-c/password', {}, ['admin'], 200],
    ['list windows', 'GET', () => '/v1/admin/windows', undefined, ['admin'], 200],
    ['rerun a window', 'POST', () => '/v1/admin/windows/999999999/rerun', undefined, ['admin'], 404],
  ];

  const cases = routes.flatMap(([name, method, path, body, allowed, okStatus]) =>
    EVERYONE.map((who) => {
      let expected = okStatus;
      if (who === 'no token' || who === 'expired token' || who === 'disabled') expected = 401;
      else if (who === 'user token' || !allowed.includes(who)) expected = 403;
      return [name, who, expected, method, path, body] as const;
    }),
  );

  it.each(cases)('%s as %s -> %i', async (_, who, expected, method, path, body) => {
    const sent = typeof body === 'function' ? await (body as (who: Who) => unknown)(who) : body;
    const r = await call(method, `${sys.url('api')}${path(who)}`, { token: tokens[who], body: sent });
    expect({ status: r.status, body: r.body }).toEqual({
      status: expected,
      body: expected === 204 ? null : expect.anything(),
    });
    if (expected === 401) expect(r.body.error).toBe('AUTH.UNAUTHENTICATED');
    if (expected === 403) expect(r.body.error).toBe('AUTH.FORBIDDEN');
  });

  it('answers the queue dashboard only with an admin session cookie', async () => {
    const url = `${sys.url('api')}/admin/queues`;
    const admin = await loginAdmin(sys);
    const reviewer = await call('POST', `${sys.url('api')}/v1/admin/sessions`, {
      body: { username: 'rita', password: 'rita-password-1' },
    });
    expect(admin.cookie).toMatch(
      /^hc_queues_session=[\w.-]+; Path=\/admin\/queues; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    expect(reviewer.headers.get('set-cookie')).toBeNull();

    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${admin.token}` } })).status).toBe(401); // the dashboard reads the cookie only
    expect((await fetch(url, { headers: { cookie: `hc_queues_session=${tokens['expired token']}` } })).status).toBe(
      401,
    );
    expect((await fetch(url, { headers: { cookie: `hc_queues_session=${tokens.reviewer}` } })).status).toBe(403);
    const cookie = admin.cookie!.split(';')[0];
    const page = await fetch(url, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const queues = await fetch(`${url}/api/queues`, { headers: { cookie } });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('tracing');
  });

  it('refuses the token of an account disabled after login', async () => {
    const s = await createAccount(sys, 'dora', 'reviewer');
    expect((await call('GET', `${sys.url('api')}/v1/admin/code-changes`, { token: s.token })).status).toBe(200);
    await sys.db.query(`UPDATE admins SET disabled = true WHERE username = 'dora'`);
    expect((await call('GET', `${sys.url('api')}/v1/admin/code-changes`, { token: s.token })).status).toBe(401);
    expect(
      (
        await call('POST', `${sys.url('api')}/v1/admin/sessions`, {
          body: { username: 'dora', password: 'dora-password-1' },
        })
      ).status,
    ).toBe(401);
  });
});
