import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { appDataSource, insertPendingRequests, loginAdmin, registerUsers } from '../support/admin.js';
import type { AppName } from '../support/apps.js';
import { RawJson, badBodyKit, objectText, type FieldSpec } from '../support/bad-bodies.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { tableCounts } from '../support/table-counts.js';

// Fixed, so a failure can be replayed; HC_FUZZ_SEED tries another. fast-check prints it on failure.
const SEED = Number(process.env.HC_FUZZ_SEED ?? 20_261_124);
// Bodies sent at once, and rounds per route: 16 x 125 = 2000 bad bodies per route.
const CONCURRENCY = 16;
const RUNS = Number(process.env.HC_FUZZ_RUNS ?? 125);

interface Target {
  name: string;
  app: AppName;
  method: string;
  path: () => string;
  token: () => string | undefined;
  /** JSON text of a bad body, or null for a request whose path or query is the bad part. */
  body: fc.Arbitrary<string | null>;
  /** For targets that fuzz the path or query instead of the body: `METHOD /path?query`. */
  badPath?: fc.Arbitrary<string>;
}

/**
 * Security battery, fuzz: thousands of generated bad requests per route (see bad-bodies.ts) sent
 * over HTTP to the real apps. Every answer is a 4xx in the error shape that repeats no value
 * sent, no row is written anywhere, and the apps are still alive afterwards.
 */
describe(`security battery: fuzzed bad requests (seed ${SEED})`, () => {
  const marker = `mk${randomBytes(5).toString('hex')}`;
  const kit = badBodyKit(marker);
  let sys: TestSystem;
  let ds: DataSource;
  let admin: string;
  let user: string;
  let userId: string;
  let pending: string;
  let windowId: number;

  beforeAll(async () => {
    sys = await startSystem('sec_fuzz', ['api', 'ingest']);
    ds = await appDataSource(sys);
    const [person] = await registerUsers(sys, 1);
    ({ token: user, userId } = person!);
    admin = (await loginAdmin(sys)).token;
    const request = await insertPendingRequests(ds, [userId]);
    [pending, windowId] = [request.ids[0], request.windowId];
    await sys.db.query(`UPDATE windows SET status = 'done' WHERE id = $1`, [windowId]);
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await sys?.stop();
  });

  const str = (max: number, min = 1): fc.Arbitrary<unknown> =>
    fc.oneof(kit.notString, kit.tooLong(max), ...(min > 0 ? [fc.constant('')] : []));
  const field = (name: string, required: boolean, good: () => unknown, bad: fc.Arbitrary<unknown>): FieldSpec => ({
    name,
    required,
    good,
    bad,
  });
  // JSON null for an optional field means "not given", as its absence does.
  const note = (required: boolean) =>
    field('note', required, () => 'checked', required ? str(500) : str(500, 0).filter((v) => v !== null));

  const notInt = fc.oneof(
    kit.marked,
    fc.integer({ max: -1 }),
    fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.constant(1e300),
    fc.boolean(),
    fc.constant(null),
    fc.constant({}),
  );
  const ts = field('ts', true, () => Date.now() - 30_000, notInt);
  const geohashItem = [
    ts,
    field(
      'geohash',
      true,
      () => 'u33dc0cp',
      fc.oneof(kit.notString, kit.marked, fc.constantFrom('u33d', 'u33dc0ca', 'U33DC0CP', 'u33dc0cp0000000')),
    ),
  ];
  const outOf = (limit: number) =>
    fc.oneof(
      fc.double({ min: limit + 1e-9, max: 1e308, noNaN: true }),
      fc.double({ min: -1e308, max: -limit - 1e-9, noNaN: true }),
      kit.notString.filter((v) => typeof v !== 'number'),
      kit.marked,
    );
  const latLonItem = [ts, field('lat', true, () => 52.52, outOf(90)), field('lon', true, () => 13.4, outOf(180))];
  const goodItem = objectText([
    ['ts', Date.now() - 30_000],
    ['geohash', 'u33dc0cp'],
  ]);
  const badItems = fc
    .tuple(fc.oneof(kit.body(geohashItem), kit.body(latLonItem)), fc.boolean())
    .map(([bad, first]) => new RawJson(`[${first ? `${bad},${goodItem}` : `${goodItem},${bad}`}]`));
  const tooMany = new RawJson(`[${Array.from({ length: 1001 }, () => goodItem).join(',')}]`);

  const badQuery = fc.oneof(
    kit.marked.map((s) => `status=${encodeURIComponent(s)}`),
    fc
      .oneof(fc.constantFrom('0', '501', '-1', '1.5', '1e3', ''), kit.marked)
      .map((s) => `limit=${encodeURIComponent(s)}`),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map((s) => `cursor=${encodeURIComponent(marker + s)}`),
    fc
      .tuple(fc.constantFrom('role', 'userId', 'color', '__proto__', 'constructor'), kit.marked)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
  );
  const badId = kit.marked.map(encodeURIComponent);

  const targets: Target[] = [
    {
      name: 'POST /v1/users',
      app: 'api',
      method: 'POST',
      path: () => '/v1/users',
      token: () => undefined,
      body: kit.body([]),
    },
    {
      name: 'POST /v1/admin/sessions',
      app: 'api',
      method: 'POST',
      path: () => '/v1/admin/sessions',
      token: () => undefined,
      body: kit.body([
        field('username', true, () => 'admin', str(64)),
        field('password', true, () => 'not-the-password', str(256)),
      ]),
    },
    {
      name: 'PUT /v1/admin/users/{userId}/code',
      app: 'api',
      method: 'PUT',
      path: () => `/v1/admin/users/${userId}/code`,
      token: () => admin,
      body: kit.body([
        field('color', true, () => 'red', fc.oneof(kit.notString, kit.marked, fc.constantFrom('RED', 'purple', ''))),
        field('reason', true, () => 'test', str(200)),
        field(
          'infectiousFrom',
          false,
          () => new Date(Date.now() - 86_400_000).toISOString(),
          fc.oneof(
            kit.notString.filter((v) => v !== null),
            kit.marked,
            fc.constantFrom('2026-13-01T00:00:00Z', 'yesterday', '1700000000'),
          ),
        ),
      ]),
    },
    {
      name: 'POST /v1/admin/code-changes/{id}/approve',
      app: 'api',
      method: 'POST',
      path: () => `/v1/admin/code-changes/${pending}/approve`,
      token: () => admin,
      body: kit.body([note(false)]),
    },
    {
      name: 'POST /v1/admin/code-changes/{id}/reject',
      app: 'api',
      method: 'POST',
      path: () => `/v1/admin/code-changes/${pending}/reject`,
      token: () => admin,
      body: kit.body([note(false)]),
    },
    {
      name: 'POST /v1/admin/code-changes/decisions',
      app: 'api',
      method: 'POST',
      path: () => '/v1/admin/code-changes/decisions',
      token: () => admin,
      body: kit.body([
        field(
          'ids',
          true,
          () => [pending],
          fc.oneof(
            kit.notString.filter((v) => !Array.isArray(v)),
            fc.constant([]),
            fc.array(fc.oneof(kit.marked, fc.integer(), fc.constant('0'), fc.constant(null)), {
              minLength: 1,
              maxLength: 5,
            }),
            fc.constant(Array.from({ length: 501 }, (_, i) => String(i + 1))),
          ),
        ),
        field(
          'decision',
          true,
          () => 'approve',
          fc.oneof(kit.notString, kit.marked, fc.constantFrom('APPROVE', 'revoke', '')),
        ),
        note(false),
      ]),
    },
    {
      name: 'POST /v1/admin/code-changes/{id}/revoke',
      app: 'api',
      method: 'POST',
      path: () => `/v1/admin/code-changes/${pending}/revoke`,
      token: () => admin,
      body: kit.body([note(true)]),
    },
    {
      name: 'POST /v1/admin/users/{userId}/tokens/revoke',
      app: 'api',
      method: 'POST',
      path: () => `/v1/admin/users/${userId}/tokens/revoke`,
      token: () => admin,
      body: kit.body([note(true)]),
    },
    {
      name: 'POST /v1/users/me/token',
      app: 'api',
      method: 'POST',
      path: () => '/v1/users/me/token',
      token: () => user,
      body: kit.body([]),
    },
    {
      name: 'POST /v1/admin/windows/{id}/rerun',
      app: 'api',
      method: 'POST',
      path: () => `/v1/admin/windows/${windowId}/rerun`,
      token: () => admin,
      body: kit.body([]),
    },
    {
      name: 'POST /v1/pings',
      app: 'ingest',
      method: 'POST',
      path: () => '/v1/pings',
      token: () => user,
      body: kit.body([
        field(
          'pings',
          true,
          () => new RawJson(goodItem),
          fc.oneof(
            kit.notString.filter((v) => !Array.isArray(v)),
            fc.constant([]),
            badItems,
            fc.constant(tooMany),
          ),
        ),
      ]),
    },
    {
      name: 'GET /v1/admin/code-changes?...',
      app: 'api',
      method: 'GET',
      path: () => '/v1/admin/code-changes',
      token: () => admin,
      body: fc.constant(null),
      badPath: badQuery.map((q) => `GET /v1/admin/code-changes?${q}`),
    },
    {
      name: 'GET /v1/admin/windows?...',
      app: 'api',
      method: 'GET',
      path: () => '/v1/admin/windows',
      token: () => admin,
      body: fc.constant(null),
      badPath: badQuery.map((q) => `GET /v1/admin/windows?${q}`),
    },
    {
      name: 'path ids',
      app: 'api',
      method: 'GET',
      path: () => '',
      token: () => admin,
      body: fc.constant(null),
      badPath: fc
        .tuple(
          badId,
          fc.constantFrom(
            'GET /v1/admin/users/%s/code',
            'PUT /v1/admin/users/%s/code',
            'POST /v1/admin/users/%s/tokens/revoke',
            'GET /v1/admin/code-changes/%s',
            'POST /v1/admin/code-changes/%s/approve',
            'POST /v1/admin/windows/%s/rerun',
          ),
        )
        .map(([id, p]) => p.replace('%s', id)),
    },
  ];

  async function send(t: Target, body: string | null, request: string): Promise<{ status: number; text: string }> {
    const [method, path] = request.split(' ') as [string, string];
    const headers: Record<string, string> = {};
    const token = t.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== null) headers['content-type'] = 'application/json';
    const res = await fetch(`${sys.url(t.app)}${path}`, { method, headers, body: body ?? undefined });
    return { status: res.status, text: await res.text() };
  }

  it.each(targets.map((t) => [t.name, t] as const))(
    '%s: only 4xx, nothing echoed, nothing written',
    async (_, t) => {
      const before = await tableCounts(sys.db);
      const request = fc.tuple(t.body, t.badPath ?? fc.constant(`${t.method} ${t.path()}`));
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: CONCURRENCY, maxLength: CONCURRENCY }), async (requests) => {
          const answers = await Promise.all(requests.map(([body, path]) => send(t, body, path)));
          sent += answers.length;
          answers.forEach((a, i) => {
            const [body, path] = requests[i];
            const bad =
              a.status < 400 || a.status >= 500
                ? `status ${a.status}`
                : a.text.includes(marker)
                  ? 'the answer repeats a value sent'
                  : !/^\{"error":"/.test(a.text)
                    ? 'not the error shape'
                    : null;
            if (bad)
              throw new Error(`${bad}: ${path.slice(0, 200)} ${String(body).slice(0, 300)} -> ${a.text.slice(0, 300)}`);
          });
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      expect(sent).toBe(RUNS * CONCURRENCY);
      expect(await tableCounts(sys.db)).toEqual(before);
      for (const app of Object.values(sys.apps)) {
        expect(app.process.exitCode).toBeNull();
        expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
      }
    },
    120_000,
  );
});
