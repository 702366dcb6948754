import { encodeCell } from '#libs/geo/index.js';
import { call } from '../support/http.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';
import { userTokenSigner } from '../support/user-tokens.js';

/**
 * The parts of the HTTP contract (docs/api.md) every app keeps: error shape, auth, validation,
 * health, metrics.
 */
describe('HTTP contract (api + ingest)', () => {
  let sys: TestSystem;
  let user: { userId: string; token: string };

  beforeAll(async () => {
    sys = await startSystem('contract', ['api', 'ingest']);
    user = (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body;
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const pings = (body: unknown, token = user.token) => call('POST', `${sys.url('ingest')}/v1/pings`, { token, body });
  const rowCount = async () => Number((await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings'))[0].n);

  it('registers a person who reads green, with tracedUntil present', async () => {
    const me = await call('GET', `${sys.url('api')}/v1/codes/me`, { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      userId: user.userId,
      color: 'green',
      reason: 'registered',
      updatedAt: expect.any(String),
      expiresAt: null,
      tracedUntil: expect.any(String),
    });
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-jwt'],
    [
      'a token signed with another key',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwidHlwIjoidXNlciJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['a well-signed token for a person who does not exist', () => userTokenSigner(sys)('999999999')],
    [
      'a token whose payload was changed',
      () => {
        const [h, , sig] = user.token.split('.');
        return `${h}.${Buffer.from(JSON.stringify({ sub: '1', typ: 'user' })).toString('base64url')}.${sig}`;
      },
    ],
  ])('answers 401 with the error shape for %s', async (_, token) => {
    const r = await call('GET', `${sys.url('api')}/v1/codes/me`, {
      token: typeof token === 'function' ? token() : token,
    });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'AUTH.UNAUTHENTICATED', message: expect.any(String) });
  });

  it('refuses a user token on an admin route with 403 and an admin token on a user route with 403', async () => {
    const asUser = await call('GET', `${sys.url('api')}/v1/admin/users/${user.userId}/code`, { token: user.token });
    expect(asUser.status).toBe(403);
    const admin = (await call('POST', `${sys.url('api')}/v1/admin/sessions`, { body: TEST_ADMIN })).body;
    const asAdmin = await call('GET', `${sys.url('api')}/v1/codes/me`, { token: admin.token });
    expect(asAdmin.status).toBe(403);
  });

  it('answers 401 to a wrong admin password, with the same message as for an unknown admin', async () => {
    const wrong = await call('POST', `${sys.url('api')}/v1/admin/sessions`, {
      body: { username: 'admin', password: 'nope' },
    });
    const unknown = await call('POST', `${sys.url('api')}/v1/admin/sessions`, {
      body: { username: 'nobody', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers 404 in the error shape for an unknown route, without echoing the path', async () => {
    const r = await call('GET', `${sys.url('api')}/v1/nothing-here-secret`);
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('NOT_FOUND');
    expect(JSON.stringify(r.body)).not.toContain('secret');
  });

  it.each([
    ['an empty batch', { pings: [] }, 'pings'],
    ['no pings field', {}, 'pings'],
    ['an unknown top-level field', { pings: [{ ts: Date.now(), geohash: 'u33dc0cp' }], color: 'green' }, 'color'],
  ])('refuses %s with 400 naming the field and stores nothing', async (_, body, field) => {
    const r = await pings(body);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('VALIDATION');
    expect(r.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await rowCount()).toBe(0);
  });

  it.each([
    ['lat out of range', { ts: Date.now(), lat: 91, lon: 0 }, 'lat'],
    ['lon out of range', { ts: Date.now(), lat: 0, lon: -181 }, 'lon'],
    ['lat as a string', { ts: Date.now(), lat: '52.5', lon: 13.4 }, 'lat'],
    ['a geohash with a letter that is not base32', { ts: Date.now(), geohash: 'u33dc0ca' }, 'geohash'],
    ['a geohash shorter than the precision', { ts: Date.now(), geohash: 'u33d' }, 'geohash'],
    ['both coordinates and a geohash', { ts: Date.now(), lat: 1, lon: 1, geohash: 'u33dc0cp' }, 'geohash'],
    ['no location', { ts: Date.now() }, 'geohash'],
    ['no time', { geohash: 'u33dc0cp' }, 'ts'],
    ['a time that is not one', { ts: 'yesterday', geohash: 'u33dc0cp' }, 'ts'],
    ['an unknown field in an item', { ts: Date.now(), geohash: 'u33dc0cp', userId: '7' }, 'userId'],
  ])('refuses a batch with one item of %s: 400 with its index and field, nothing stored', async (_, bad, field) => {
    const good = { ts: Date.now() - 60_000, geohash: 'u33dc0cp' };
    const r = await pings({ pings: [good, good, bad] });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ index: 2, field })]));
    expect(await rowCount()).toBe(0);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const r = await call('POST', `${sys.url('ingest')}/v1/pings`, { token: user.token, rawBody: '{"pings": [' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('VALIDATION');
  });

  it('refuses more than 1000 pings with 400', async () => {
    const r = await pings({
      pings: Array.from({ length: 1001 }, (_, i) => ({ ts: Date.now() - i, geohash: 'u33dc0cp' })),
    });
    expect(r.status).toBe(400);
    expect(r.body.details[0].field).toBe('pings');
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await call('POST', `${sys.url('ingest')}/v1/pings`, {
      token: user.token,
      rawBody: JSON.stringify({ pings: [{ ts: Date.now(), geohash: 'u'.repeat(400_000) }] }),
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('counts a time sent in seconds (1970), a too-old and a future ping as rejected, and stores the rest once', async () => {
    const now = Date.now();
    const batch = {
      pings: [
        { ts: Math.floor(now / 1000), geohash: 'u33dc0cp' },
        { ts: now - 15 * 86_400_000, geohash: 'u33dc0cp' },
        { ts: now + 10 * 60_000, geohash: 'u33dc0cp' },
        { ts: new Date(now - 5_000).toISOString(), lat: 52.52, lon: 13.405 },
        { ts: now - 7_000, geohash: 'u33dc0cpzz' },
      ],
    };
    const first = await pings(batch);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 2, late: 0, rejected: 3 });
    const retried = await pings(batch);
    expect(retried.body).toEqual(first.body);
    const stored = await sys.db.query<{ cell: string }>('SELECT cell FROM pings ORDER BY ts');
    // Oldest first: the truncated geohash, then the coordinates encoded to a cell (never stored raw).
    expect(stored.map((r) => r.cell)).toEqual(['u33dc0cp', encodeCell(52.52, 13.405, 8)]);
  });

  it('stores a ping repeated within one batch once', async () => {
    const ts = Date.now() - 30_000;
    const r = await pings({
      pings: [
        { ts, geohash: 'u33dc0cp' },
        { ts, geohash: 'u33dc0cp' },
      ],
    });
    expect(r.status).toBe(202);
    const rows = await sys.db.query('SELECT 1 FROM pings WHERE ts = to_timestamp($1 / 1000.0)', [ts]);
    expect(rows).toHaveLength(1);
  });

  it.each(['api', 'ingest'] as const)(
    '%s serves /health/live, /health/ready, and Prometheus /metrics on its metrics port',
    async (app) => {
      expect((await call('GET', `${sys.url(app)}/health/live`)).status).toBe(200);
      const ready = await call('GET', `${sys.url(app)}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
      const metrics = await fetch(`${sys.metricsUrl(app)}/metrics`).then((r) => r.text());
      expect(metrics).toContain('process_cpu_user_seconds_total');
      expect(metrics).toContain(`app="${app}"`);
    },
  );

  it('serves the OpenAPI document at /docs-json', async () => {
    const doc = await call('GET', `${sys.url('api')}/docs-json`);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/codes/me', '/v1/users/me/token']),
    );
    const ingest = await call('GET', `${sys.url('ingest')}/docs-json`);
    expect(ingest.status).toBe(200);
    expect(Object.keys(ingest.body.paths)).toEqual(['/v1/pings']);
    expect(ingest.body.paths['/v1/pings'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PingsRequest',
    });
  });
});
