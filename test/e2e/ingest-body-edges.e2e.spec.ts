import { request } from 'node:http';
import { call, metricIn } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * The edges of `POST /v1/pings` around the body: size limit, JSON, content types, the order of
 * the checks (token, then body, then rate limit, then the batch) and the rate-limit headers. The
 * JSON case is served by the fast lane (libs/http/fast-lane.ts), the others by Fastify: both
 * must answer alike, which these tests pin down.
 */
describe('POST /v1/pings: body edges', () => {
  let sys: TestSystem;
  let user: { userId: string; token: string };

  beforeAll(async () => {
    sys = await startSystem('pingedges', ['api', 'ingest'], { HC_PING_BATCHES_PER_MINUTE: '30' });
    user = (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body;
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const url = () => `${sys.url('ingest')}/v1/pings`;
  const rowCount = async () =>
    Number(
      (await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [user.userId]))[0].n,
    );
  const batch = (ts = Date.now() - 10_000) => JSON.stringify({ pings: [{ ts, geohash: 'u33dc0cp' }] });
  const raw = (body: string, headers: Record<string, string>) =>
    call('POST', url(), { token: user.token, rawBody: body, headers });

  /** Sends `chunks` without a content-length (chunked transfer), as a phone streaming a body would. */
  function chunked(chunks: string[]): Promise<{ status: number; body: { error?: string } }> {
    return new Promise((resolve, reject) => {
      const req = request(
        url(),
        { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE'
          ? undefined
          : reject(err),
      );
      for (const c of chunks) req.write(c);
      req.end();
    });
  }

  it('accepts application/json with a charset', async () => {
    const r = await raw(batch(), { 'content-type': 'application/json; charset=utf-8' });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 1, late: 0, rejected: 0 });
  });

  it('sends the rate-limit headers with a 202', async () => {
    const r = await raw(batch(Date.now() - 11_000), { 'content-type': 'application/json' });
    expect(r.status).toBe(202);
    expect(r.headers.get('x-ratelimit-limit')).toBe('30');
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeLessThan(30);
    expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  });

  it('refuses a chunked body over the size limit with 413, nothing stored', async () => {
    const before = await rowCount();
    const filler = 'x'.repeat(64 * 1024);
    const r = await chunked([
      `{"pings":[{"ts":${Date.now()},"geohash":"u33dc0cp","pad":"`,
      filler,
      filler,
      filler,
      filler,
      filler,
      '"}]}',
    ]);
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ error: 'PAYLOAD_TOO_LARGE', message: 'request body too large' });
    expect(await rowCount()).toBe(before);
  });

  it('accepts a chunked body under the limit', async () => {
    const body = batch(Date.now() - 12_000);
    const r = await chunked([body.slice(0, 10), body.slice(10)]);
    expect(r.status).toBe(202);
  });

  // The compact body phones send is read from its bytes (scanPingBatch), any other through JSON.
  it('answers and stores a batch alike whether it comes compact (scanned) or written otherwise (parsed)', async () => {
    const readAs = async (read: string) =>
      metricIn(
        await fetch(`${sys.metricsUrl('ingest')}/metrics`).then((r) => r.text()),
        'hc_ping_bodies_total',
        `read="${read}"`,
      );
    const [compactBefore, jsonBefore] = [await readAs('compact'), await readAs('json')];
    const t = Date.now() - 20_000; // apart from the other tests' pings (10-13 s ago)
    const pings = [
      { ts: t, geohash: 'u33dc0cpzzzz' },
      { ts: t + 1, geohash: 'u33dc0cp' },
      { ts: Math.floor(t / 1000), geohash: 'u33dc0cp' },
    ];
    const compact = JSON.stringify({ pings });
    const spaced = JSON.stringify({ pings }, null, 2);
    const stored = async () =>
      (
        await sys.db.query<{ ms: string; cell: string }>(
          'SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms, cell FROM pings WHERE user_id = $1 AND ts BETWEEN to_timestamp($2 / 1000.0) AND to_timestamp(($2 + 1) / 1000.0) ORDER BY ts',
          [user.userId, t],
        )
      ).map((r) => [Number(r.ms), r.cell]);
    const first = await raw(compact, { 'content-type': 'application/json' });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 2, late: 0, rejected: 1 });
    const afterCompact = await stored();
    expect(afterCompact).toEqual([
      [t, 'u33dc0cp'],
      [t + 1, 'u33dc0cp'],
    ]);
    const again = await raw(spaced, { 'content-type': 'application/json' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(await stored()).toEqual(afterCompact);
    expect([await readAs('compact'), await readAs('json')]).toEqual([compactBefore + 1, jsonBefore + 1]);
  });

  it.each([
    ['an empty body', ''],
    ['a truncated body', '{"pings": ['],
    ['a body with a prototype key', '{"pings":[{"ts":1,"geohash":"u33dc0cp"}],"__proto__":{"x":1}}'],
    [
      'a body with a constructor.prototype key',
      '{"pings":[{"ts":1,"geohash":"u33dc0cp"}],"constructor":{"prototype":{"x":1}}}',
    ],
  ])('refuses %s with 400 as Fastify does', async (_, body) => {
    const r = await raw(body, { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'VALIDATION', message: expect.any(String) });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"pings"'],
  ])('refuses a JSON %s with 400 naming pings', async (_, body) => {
    const r = await raw(body, { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('VALIDATION');
    expect(r.body.details).toEqual([{ field: 'pings', message: expect.any(String) }]);
  });

  it('checks the token before the body: bad JSON or a good body without a token are a 401', async () => {
    const bad = await call('POST', url(), { rawBody: '{"pings": [', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(401);
    const noToken = await call('POST', url(), { rawBody: batch(), headers: { 'content-type': 'application/json' } });
    expect(noToken.status).toBe(401);
    expect(noToken.body).toEqual({ error: 'AUTH.UNAUTHENTICATED', message: expect.any(String) });
  });

  it.each([
    ['text/plain', 'text/plain', 400],
    ['a form', 'application/x-www-form-urlencoded', 400],
    ['an unknown type', 'application/xml', 415],
  ])('answers %s with the error shape, nothing stored', async (_, type, status) => {
    const before = await rowCount();
    const r = await raw(batch(Date.now() - 13_000), { 'content-type': type });
    expect(r.status).toBe(status);
    expect(r.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
    expect(await rowCount()).toBe(before);
  });
});
