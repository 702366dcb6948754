import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appDataSource, insertPendingRequests, loginAdmin, registerUsers } from '../support/admin.js';
import { call } from '../support/http.js';
import { SECURED_ROUTES } from '../support/security-routes.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { tableCounts } from '../support/table-counts.js';

/**
 * Security battery, input: nobody reaches another person's data, fields that do not belong in a
 * body (mass assignment: `color`, `status`, `version`, `userId`, `role`) are refused with a 400
 * naming them and nothing written, and no answer ever repeats what the caller sent.
 */
describe('security battery: other people, mass assignment, no echo', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let me: { userId: string; token: string };
  let other: { userId: string; token: string };
  let admin: string;
  let pending: string;
  let windowId: number;

  beforeAll(async () => {
    sys = await startSystem('sec_input', ['api', 'ingest']);
    ds = await appDataSource(sys);
    [me, other] = (await registerUsers(sys, 2)) as [typeof me, typeof other];
    admin = (await loginAdmin(sys)).token;
    const request = await insertPendingRequests(ds, [other.userId]);
    windowId = request.windowId;
    pending = request.ids[0]!;
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  const api = (p: string) => `${sys.url('api')}${p}`;
  const ping = () => ({ ts: Date.now() - 20_000, geohash: 'u33dc0cp' });

  describe('another person', () => {
    it('no user route takes an id: user routes have no parameters, in the table or in the OpenAPI document', async () => {
      const userRoutes = SECURED_ROUTES.filter((r) => r.access === 'user').map((r) => r.key);
      expect(userRoutes).toEqual(['GET /v1/codes/me', 'POST /v1/users/me/token', 'POST /v1/pings']);
      expect(userRoutes.filter((k) => k.includes('{'))).toEqual([]);
      const doc = (await call('GET', api('/docs-json'))).body;
      expect(doc.paths['/v1/codes/me'].get.parameters ?? []).toEqual([]);
      expect(doc.paths['/v1/users/me/token'].post.parameters ?? []).toEqual([]);
    });

    it("reads the caller's own code whatever the query says", async () => {
      const r = await call('GET', api(`/v1/codes/me?userId=${other.userId}&sub=${other.userId}`), { token: me.token });
      expect(r.status).toBe(200);
      expect(r.body.userId).toBe(me.userId);
    });

    it("stores pings under the token's person only", async () => {
      const ts = Date.now() - 40_000;
      const r = await call('POST', `${sys.url('ingest')}/v1/pings`, {
        token: me.token,
        body: { pings: [{ ts, geohash: 'u33dc0cp' }] },
      });
      expect(r.status).toBe(202);
      const rows = await sys.db.query<{ user_id: string }>(
        'SELECT user_id::text FROM pings WHERE ts = to_timestamp($1::float8 / 1000)',
        [ts],
      );
      expect(rows).toEqual([{ user_id: me.userId }]);
    });
  });

  // [what, method, path, body, the field that must be named]
  const massAssignment: [string, string, () => string, () => unknown, string][] = [
    ['registration with a colour', 'POST', () => '/v1/users', () => ({ color: 'red' }), 'color'],
    ['registration with a role', 'POST', () => '/v1/users', () => ({ role: 'admin' }), 'role'],
    ['registration with a user id', 'POST', () => '/v1/users', () => ({ userId: '1' }), 'userId'],
    [
      'login with a role',
      'POST',
      () => '/v1/admin/sessions',
      () => ({ username: 'admin', password: 'x', role: 'admin' }),
      'role',
    ],
    [
      'set code with a status',
      'PUT',
      () => `/v1/admin/users/${other.userId}/code`,
      () => ({ color: 'red', reason: 'test', status: 'applied' }),
      'status',
    ],
    [
      'set code with a version',
      'PUT',
      () => `/v1/admin/users/${other.userId}/code`,
      () => ({ color: 'red', reason: 'test', version: 99 }),
      'version',
    ],
    [
      'set code with a user id',
      'PUT',
      () => `/v1/admin/users/${other.userId}/code`,
      () => ({ color: 'red', reason: 'test', userId: me.userId }),
      'userId',
    ],
    [
      'approve with a status',
      'POST',
      () => `/v1/admin/code-changes/${pending}/approve`,
      () => ({ status: 'rejected' }),
      'status',
    ],
    [
      'reject with a colour',
      'POST',
      () => `/v1/admin/code-changes/${pending}/reject`,
      () => ({ color: 'red' }),
      'color',
    ],
    [
      'bulk decisions with a status',
      'POST',
      () => '/v1/admin/code-changes/decisions',
      () => ({ ids: [pending], decision: 'approve', status: 'applied' }),
      'status',
    ],
    [
      'bulk decisions with a user id',
      'POST',
      () => '/v1/admin/code-changes/decisions',
      () => ({ ids: [pending], decision: 'approve', userId: me.userId }),
      'userId',
    ],
    [
      'revoke with a version',
      'POST',
      () => `/v1/admin/code-changes/${pending}/revoke`,
      () => ({ note: 'x', version: 1 }),
      'version',
    ],
    ['rerun with a status', 'POST', () => `/v1/admin/windows/${windowId}/rerun`, () => ({ status: 'done' }), 'status'],
    ['a list query with a role', 'GET', () => '/v1/admin/code-changes?role=admin', () => undefined, 'role'],
    ['a list query with a user id', 'GET', () => `/v1/admin/windows?userId=${other.userId}`, () => undefined, 'userId'],
  ];

  it.each(massAssignment)('refuses %s: 400 naming the field, nothing written', async (_, method, path, body, field) => {
    const before = await tableCounts(sys.db);
    const r = await call(method, api(path()), { token: admin, body: body() });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('VALIDATION');
    expect(r.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await tableCounts(sys.db)).toEqual(before);
  });

  it.each([
    ['a user id beside the pings', () => ({ pings: [ping()], userId: other.userId }), 'userId', undefined],
    ['a user id in a ping', () => ({ pings: [ping(), { ...ping(), userId: other.userId }] }), 'userId', 1],
    ['a colour beside the pings', () => ({ pings: [ping()], color: 'red' }), 'color', undefined],
  ])('refuses pings with %s: 400 naming the field, nothing written', async (_, body, field, index) => {
    const before = await tableCounts(sys.db);
    const r = await call('POST', `${sys.url('ingest')}/v1/pings`, { token: me.token, body: body() });
    expect(r.status).toBe(400);
    expect(r.body.details).toContainEqual(
      index === undefined ? { field, message: expect.any(String) } : { index, field, message: expect.any(String) },
    );
    expect(await tableCounts(sys.db)).toEqual(before);
  });

  describe('no echo', () => {
    const marker = `mk${randomBytes(6).toString('hex')}`;
    const long = (n: number) => `${marker}${'x'.repeat(n)}${marker}`;

    // [what, app, method, path, body or raw text, token]
    const probes: [string, 'api' | 'ingest', string, () => string, () => unknown, 'user' | 'admin' | 'marker'][] = [
      [
        'a colour',
        'api',
        'PUT',
        () => `/v1/admin/users/${other.userId}/code`,
        () => ({ color: marker, reason: 'x' }),
        'admin',
      ],
      [
        'a reason too long',
        'api',
        'PUT',
        () => `/v1/admin/users/${other.userId}/code`,
        () => ({ color: 'red', reason: long(300) }),
        'admin',
      ],
      [
        'a reason of the wrong type',
        'api',
        'PUT',
        () => `/v1/admin/users/${other.userId}/code`,
        () => ({ color: 'red', reason: { [marker]: marker } }),
        'admin',
      ],
      [
        'an infectious start',
        'api',
        'PUT',
        () => `/v1/admin/users/${other.userId}/code`,
        () => ({ color: 'red', reason: 'x', infectiousFrom: marker }),
        'admin',
      ],
      ['a user id in the path', 'api', 'GET', () => `/v1/admin/users/${marker}/code`, () => undefined, 'admin'],
      [
        'a code-change id in the path',
        'api',
        'POST',
        () => `/v1/admin/code-changes/${marker}/approve`,
        () => ({}),
        'admin',
      ],
      ['a window id in the path', 'api', 'POST', () => `/v1/admin/windows/${marker}/rerun`, () => undefined, 'admin'],
      [
        'a status in the query',
        'api',
        'GET',
        () => `/v1/admin/code-changes?status=${marker}`,
        () => undefined,
        'admin',
      ],
      ['a limit in the query', 'api', 'GET', () => `/v1/admin/windows?limit=${marker}`, () => undefined, 'admin'],
      [
        'a cursor in the query',
        'api',
        'GET',
        () => `/v1/admin/code-changes?cursor=${marker}`,
        () => undefined,
        'admin',
      ],
      [
        'a note too long',
        'api',
        'POST',
        () => `/v1/admin/code-changes/${pending}/reject`,
        () => ({ note: long(600) }),
        'admin',
      ],
      [
        'bulk ids',
        'api',
        'POST',
        () => '/v1/admin/code-changes/decisions',
        () => ({ ids: [marker], decision: marker }),
        'admin',
      ],
      [
        'a username too long',
        'api',
        'POST',
        () => '/v1/admin/sessions',
        () => ({ username: long(80), password: marker }),
        'admin',
      ],
      [
        'a password of the wrong type',
        'api',
        'POST',
        () => '/v1/admin/sessions',
        () => ({ username: 'admin', password: [marker] }),
        'admin',
      ],
      [
        'a body that is not JSON',
        'api',
        'PUT',
        () => `/v1/admin/users/${other.userId}/code`,
        () => `{"color": "${marker}`,
        'admin',
      ],
      ['an unknown route', 'api', 'GET', () => `/v1/${marker}?q=${marker}`, () => undefined, 'admin'],
      ['a token that is not one', 'api', 'GET', () => '/v1/codes/me', () => undefined, 'marker'],
      [
        'a token that is not one, on an admin route',
        'api',
        'GET',
        () => '/v1/admin/windows',
        () => undefined,
        'marker',
      ],
      [
        'a ping time',
        'ingest',
        'POST',
        () => '/v1/pings',
        () => ({ pings: [{ ts: marker, geohash: 'u33dc0cp' }] }),
        'user',
      ],
      [
        'a geohash',
        'ingest',
        'POST',
        () => '/v1/pings',
        () => ({ pings: [{ ts: Date.now(), geohash: marker }] }),
        'user',
      ],
      [
        'a latitude',
        'ingest',
        'POST',
        () => '/v1/pings',
        () => ({ pings: [{ ts: Date.now(), lat: marker, lon: 1 }] }),
        'user',
      ],
      ['a ping that is a string', 'ingest', 'POST', () => '/v1/pings', () => ({ pings: [marker] }), 'user'],
      ['pings that are not JSON', 'ingest', 'POST', () => '/v1/pings', () => `{"pings": ["${marker}"`, 'user'],
      ['a token that is not one, on pings', 'ingest', 'POST', () => '/v1/pings', () => ({ pings: [ping()] }), 'marker'],
    ];

    it.each(probes)('never repeats %s', async (_, app, method, path, body, who) => {
      const b = body();
      const token = who === 'user' ? me.token : who === 'admin' ? admin : marker;
      const r = await call(method, `${sys.url(app)}${path()}`, {
        token,
        ...(typeof b === 'string' ? { rawBody: b } : { body: b }),
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(JSON.stringify(r.body)).not.toContain(marker);
      expect(JSON.stringify([...r.headers])).not.toContain(marker);
    });
  });
});
