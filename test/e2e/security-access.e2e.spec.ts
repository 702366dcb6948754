import type { DataSource } from 'typeorm';
import { appDataSource, createAccount, loginAdmin, registerUsers } from '../support/admin.js';
import { TOKEN_KINDS, tokenOf, type Identities } from '../support/forged-tokens.js';
import { call } from '../support/http.js';
import { controllerRoutes, openApiRoutes } from '../support/route-discovery.js';
import {
  SECURED_ROUTES,
  audienceOf,
  expectedStatus,
  type RouteContext,
  type SecuredRoute,
} from '../support/security-routes.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Security battery, access: every route of every app for every kind of caller (no token, a user,
 * a reviewer, an admin, and tokens that are expired, signed with another secret, `alg: none`, or
 * a real token with a changed payload) gets exactly the status its role allows. The route table
 * is checked against the OpenAPI document and the controllers, so a new route cannot be missed.
 */
describe('security battery: who may call what, on every route', () => {
  let sys: TestSystem;
  let ds: DataSource;
  let ctx: RouteContext;

  beforeAll(async () => {
    sys = await startSystem('sec_access', ['api', 'ingest', 'batch']);
    ds = await appDataSource(sys);
    const [user, other] = await registerUsers(sys, 2);
    const admin = await loginAdmin(sys);
    const [account] = await sys.db.query<{ id: string }>(`SELECT id::text FROM admins WHERE username = 'admin'`);
    const who: Identities = {
      user: user,
      other: other,
      admin: admin.token,
      adminId: account.id,
      reviewer: (await createAccount(sys, 'rex', 'reviewer')).token,
    };
    ctx = { sys, ds, who };
  }, 90_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  const tableKeys = (app: string) => new Set(SECURED_ROUTES.filter((r) => r.app === app).map((r) => r.key));

  it.each(['api', 'ingest'] as const)(
    'has every operation of the OpenAPI documents of %s in its table',
    async (app) => {
      const doc = await call('GET', `${sys.url(app)}/docs-json`);
      const documented = openApiRoutes(doc.body);
      // The admin API is documented apart, for admins.
      if (app === 'api')
        documented.push(
          ...openApiRoutes((await call('GET', `${sys.url(app)}/v1/admin/docs-json`, { token: ctx.who.admin })).body),
        );
      expect(documented.length).toBeGreaterThan(app === 'api' ? 10 : 0);
      expect(documented.filter((k) => !tableKeys(app).has(k))).toEqual([]);
    },
  );

  it('has every route of every controller of every app in its table', async () => {
    const found = await controllerRoutes();
    expect(found.ingest).toContain('POST /v1/pings');
    for (const app of ['api', 'ingest', 'batch'] as const)
      expect({ app, missing: found[app].filter((k) => !tableKeys(app).has(k)) }).toEqual({ app, missing: [] });
  }, 90_000); // the route discovery's child process may take up to 60 s on a busy machine

  async function send(route: SecuredRoute, token: string | undefined): Promise<{ status: number; body: any }> {
    const [method, template] = route.key.split(' ') as [string, string];
    const { path = template, body } = (await route.request?.(ctx, token)) ?? {};
    const url = `${sys.url(route.app)}${path}`;
    // The queue dashboard reads its session cookie only; pages are not JSON and redirects are answers.
    const headers: Record<string, string> = {};
    if (token)
      headers[route.access === 'admin cookie' ? 'cookie' : 'authorization'] =
        route.access === 'admin cookie' ? `hc_queues_session=${token}` : `Bearer ${token}`;
    if (route.access === 'admin cookie' || !route.key.includes('/v1/')) {
      const r = await fetch(url, { method, headers, redirect: 'manual' });
      const text = await r.text();
      return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    }
    return call(method, url, { token, body });
  }

  const cases = SECURED_ROUTES.flatMap((route) =>
    TOKEN_KINDS.map((kind) => [route.app, route.key, kind, expectedStatus(route, kind), route] as const),
  );

  it.each(cases)('%s %s with %s -> %i', async (_app, _key, kind, expected, route) => {
    const r = await send(route, tokenOf(kind, audienceOf(route.access), sys, ctx.who));
    // A 204 (logout) has no body; every other answer has one.
    const body = expected === 204 ? null : expect.anything();
    expect({ status: r.status, body: r.body }).toEqual({ status: expected, body });
    if (expected === 401) expect(r.body).toEqual({ error: 'AUTH.UNAUTHENTICATED', message: expect.any(String) });
    if (expected === 403) expect(r.body).toEqual({ error: 'AUTH.FORBIDDEN', message: expect.any(String) });
  });
});
