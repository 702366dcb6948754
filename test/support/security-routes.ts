import type { DataSource } from 'typeorm';
import { insertAccount, insertPendingRequests, registerUsers } from './admin.js';
import type { AppName } from './apps.js';
import type { Audience, Identities, TokenKind } from './forged-tokens.js';
import { call } from './http.js';
import { TEST_ADMIN, type TestSystem } from './system.js';

/**
 * Who may call a route: anyone; a user token; an admin token of either role (`staff`); an admin
 * token of the admin role; the admin role through the queue dashboard's session cookie.
 */
export type Access = 'public' | 'user' | 'staff' | 'admin' | 'admin cookie';

export interface RouteContext {
  sys: TestSystem;
  ds: DataSource;
  who: Identities;
}

export interface SecuredRoute {
  app: AppName;
  /** `METHOD /path/{param}`, as the OpenAPI document writes it. */
  key: string;
  access: Access;
  /** The status an allowed caller gets. */
  ok: number;
  /**
   * A request an allowed caller succeeds with: the concrete path and body, made fresh per call
   * (`token`: the caller's, for a body that must come from the caller, such as a preview's token).
   */
  request?: (ctx: RouteContext, token?: string) => Promise<{ path?: string; body?: unknown }>;
}

let nextAccount = 0;

/** An account of its own for each call (disabling one twice, or the caller's own, would not answer the same). */
async function account(ctx: RouteContext): Promise<string> {
  const name = `acct-${++nextAccount}`;
  await insertAccount(ctx.sys, name, 'reviewer');
  return name;
}

/** Matches no request: a source nobody is. */
export const EMPTY_FILTER = { source: '999999999999999' };

/** A bulk decision by filter as the caller previewed it (a made-up token when the caller may not preview). */
export async function bulkByFilterBody(apiUrl: string, token: string | undefined) {
  const preview = await call('POST', `${apiUrl}/v1/admin/code-changes/bulk-by-filter/preview`, {
    token,
    body: { filter: EMPTY_FILTER },
  });
  return { filter: EMPTY_FILTER, decision: 'reject', expectedCount: 0, token: preview.body?.token ?? 'not-a-preview' };
}

let nextWindow = 5_000;

/** A traced (`done`) window, which an admin may rerun. */
async function doneWindow(ctx: RouteContext): Promise<number> {
  const id = nextWindow++;
  await ctx.sys.db.query(
    `INSERT INTO windows (id, starts_at, ends_at, status) VALUES ($1::bigint, to_timestamp($1::bigint * 60), to_timestamp(($1::bigint + 1) * 60), 'done')`,
    [id],
  );
  return id;
}

/** A pending review request of a person of its own (so each can be decided or revoked once). */
async function pendingRequest(ctx: RouteContext): Promise<string> {
  const [person] = await registerUsers(ctx.sys, 1);
  return (await insertPendingRequests(ctx.ds, [person.userId])).ids[0];
}

async function appliedRequest(ctx: RouteContext): Promise<string> {
  const id = await pendingRequest(ctx);
  const r = await call('POST', `${ctx.sys.url('api')}/v1/admin/code-changes/${id}/approve`, {
    token: ctx.who.admin,
    body: {},
  });
  if (r.body?.status !== 'applied') throw new Error(`approving ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return id;
}

const health = (app: AppName): SecuredRoute[] => [
  { app, key: 'GET /health/live', access: 'public', ok: 200 },
  { app, key: 'GET /health/ready', access: 'public', ok: 200 },
];

/** Every route of every app (docs/api.md) with who may call it. */
export const SECURED_ROUTES: SecuredRoute[] = [
  { app: 'api', key: 'POST /v1/users', access: 'public', ok: 201, request: async () => ({ body: {} }) },
  { app: 'api', key: 'GET /v1/codes/me', access: 'user', ok: 200 },
  { app: 'api', key: 'POST /v1/users/me/token', access: 'user', ok: 200 },
  {
    app: 'api',
    key: 'POST /v1/admin/sessions',
    access: 'public',
    ok: 200,
    request: async () => ({ body: TEST_ADMIN }),
  },
  { app: 'api', key: 'DELETE /v1/admin/sessions', access: 'staff', ok: 204 },
  { app: 'api', key: 'GET /v1/admin/docs-json', access: 'staff', ok: 200 },
  {
    app: 'api',
    key: 'PUT /v1/admin/users/{userId}/code',
    access: 'admin',
    ok: 200,
    request: async ({ who }) => ({
      path: `/v1/admin/users/${who.other.userId}/code`,
      body: { color: 'green', reason: 'checked' },
    }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/users/{userId}/tokens/revoke',
    access: 'admin',
    ok: 200,
    // A person of its own: the battery's user must keep a working token.
    request: async ({ sys }) => ({
      path: `/v1/admin/users/${(await registerUsers(sys, 1))[0].userId}/tokens/revoke`,
      body: { note: 'lost phone' },
    }),
  },
  {
    app: 'api',
    key: 'GET /v1/admin/users/{userId}/code',
    access: 'staff',
    ok: 200,
    request: async ({ who }) => ({ path: `/v1/admin/users/${who.other.userId}/code` }),
  },
  {
    app: 'api',
    key: 'GET /v1/admin/code-changes',
    access: 'staff',
    ok: 200,
    request: async () => ({ path: '/v1/admin/code-changes?status=pending&limit=5' }),
  },
  {
    app: 'api',
    key: 'GET /v1/admin/code-changes/{id}',
    access: 'staff',
    ok: 200,
    request: async (ctx) => ({ path: `/v1/admin/code-changes/${await pendingRequest(ctx)}` }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/{id}/approve',
    access: 'staff',
    ok: 200,
    request: async (ctx) => ({ path: `/v1/admin/code-changes/${await pendingRequest(ctx)}/approve`, body: {} }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/{id}/reject',
    access: 'staff',
    ok: 200,
    request: async (ctx) => ({
      path: `/v1/admin/code-changes/${await pendingRequest(ctx)}/reject`,
      body: { note: 'no contact' },
    }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/decisions',
    access: 'staff',
    ok: 200,
    request: async (ctx) => ({ body: { ids: [await pendingRequest(ctx)], decision: 'reject' } }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/{id}/revoke',
    access: 'admin',
    ok: 200,
    request: async (ctx) => ({
      path: `/v1/admin/code-changes/${await appliedRequest(ctx)}/revoke`,
      body: { note: 'mistake' },
    }),
  },
  {
    app: 'api',
    key: 'GET /v1/admin/code-changes/export.csv',
    access: 'staff',
    ok: 200,
    request: async () => ({ path: `/v1/admin/code-changes/export.csv?source=${EMPTY_FILTER.source}` }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/bulk-by-filter/preview',
    access: 'staff',
    ok: 200,
    request: async () => ({ body: { filter: EMPTY_FILTER } }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/bulk-by-filter',
    access: 'staff',
    ok: 200,
    request: async (ctx, token) => ({ body: await bulkByFilterBody(ctx.sys.url('api'), token) }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/code-changes/claims',
    access: 'staff',
    ok: 200,
    request: async () => ({ body: { count: 1, filter: EMPTY_FILTER } }),
  },
  { app: 'api', key: 'DELETE /v1/admin/code-changes/claims', access: 'staff', ok: 200 },
  { app: 'api', key: 'GET /v1/admin/audit', access: 'admin', ok: 200 },
  { app: 'api', key: 'GET /v1/admin/accounts', access: 'admin', ok: 200 },
  {
    app: 'api',
    key: 'POST /v1/admin/accounts',
    access: 'admin',
    ok: 201,
    request: async () => ({ body: { username: `new-${++nextAccount}`, role: 'reviewer' } }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/accounts/{username}/disable',
    access: 'admin',
    ok: 204,
    request: async (ctx) => ({ path: `/v1/admin/accounts/${await account(ctx)}/disable`, body: {} }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/accounts/{username}/enable',
    access: 'admin',
    ok: 204,
    request: async (ctx) => ({ path: `/v1/admin/accounts/${await account(ctx)}/enable` }),
  },
  {
    app: 'api',
    key: 'POST /v1/admin/accounts/{username}/password',
    access: 'admin',
    ok: 200,
    request: async (ctx) => ({ path: `/v1/admin/accounts/${await account(ctx)}/password`, body: {} }),
  },
  { app: 'api', key: 'GET /v1/admin/windows', access: 'admin', ok: 200 },
  {
    app: 'api',
    key: 'POST /v1/admin/windows/{id}/rerun',
    access: 'admin',
    ok: 202,
    request: async (ctx) => ({ path: `/v1/admin/windows/${await doneWindow(ctx)}/rerun` }),
  },
  { app: 'api', key: 'GET /admin', access: 'public', ok: 301 },
  { app: 'api', key: 'GET /admin/', access: 'public', ok: 200 },
  { app: 'api', key: 'GET /admin/queues', access: 'admin cookie', ok: 200 },
  { app: 'api', key: 'GET /docs', access: 'public', ok: 200 },
  { app: 'api', key: 'GET /docs-json', access: 'public', ok: 200 },
  ...health('api'),
  {
    app: 'ingest',
    key: 'POST /v1/pings',
    access: 'user',
    ok: 202,
    request: async () => ({ body: { pings: [{ ts: Date.now() - 30_000, geohash: 'u33dc0cp' }] } }),
  },
  { app: 'ingest', key: 'GET /docs', access: 'public', ok: 200 },
  { app: 'ingest', key: 'GET /docs-json', access: 'public', ok: 200 },
  ...health('ingest'),
  ...health('batch'),
];

/** Whom forged tokens pretend to be on this route. */
export const audienceOf = (access: Access): Audience => (access === 'public' || access === 'user' ? 'user' : 'admin');

/** The exact status each kind of caller gets on a route of this access. */
export function expectedStatus(route: SecuredRoute, kind: TokenKind): number {
  if (route.access === 'public') return route.ok;
  if (kind === 'user') return route.access === 'user' ? route.ok : 403;
  if (kind === 'admin') return route.access === 'user' ? 403 : route.ok;
  if (kind === 'reviewer') return route.access === 'staff' ? route.ok : 403;
  return 401;
}
