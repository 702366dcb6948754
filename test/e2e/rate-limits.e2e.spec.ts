import { call } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

describe('rate limits', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startSystem('ratelimit', ['api', 'ingest'], {
      HC_REGISTRATIONS_PER_MINUTE: '3',
      HC_PING_BATCHES_PER_MINUTE: '2',
      HC_TRUST_PROXY: '127.0.0.1',
    });
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const register = (address: string) =>
    call('POST', `${sys.url('api')}/v1/users`, { body: {}, headers: { 'x-forwarded-for': address } });

  it('registration: 429 with Retry-After past the limit, for that address only, and no user created', async () => {
    for (let i = 0; i < 3; i++) expect((await register('203.0.113.7')).status).toBe(201);
    const before = Number((await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n);
    const refused = await register('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'RATE_LIMITED', message: expect.any(String) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Number((await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n)).toBe(before);
    expect((await register('198.51.100.1')).status).toBe(201);
  });

  it('pings: 429 with Retry-After past the limit, per user (not per address), and nothing stored', async () => {
    const a = (await register('192.0.2.10')).body;
    const b = (await register('192.0.2.11')).body;
    const send = (token: string, ts: number) =>
      call('POST', `${sys.url('ingest')}/v1/pings`, {
        token,
        body: { pings: [{ ts, geohash: 'u33dc0cp' }] },
        headers: { 'x-forwarded-for': '192.0.2.99' },
      });
    const now = Date.now();
    expect((await send(a.token, now - 3000)).status).toBe(202);
    expect((await send(a.token, now - 2000)).status).toBe(202);
    const refused = await send(a.token, now - 1000);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const stored = await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [a.userId]);
    expect(Number(stored[0].n)).toBe(2);
    expect((await send(b.token, now - 1000)).status).toBe(202);
  });

  // Batches refused by the limit must never reach a group commit, even when they arrive together
  // with admitted ones and are written in the same moment.
  it('pings: of six batches sent at once past the limit, exactly the two admitted are stored', async () => {
    const { userId, token } = (await register('192.0.2.20')).body;
    const now = Date.now();
    const sent = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const ts = now - 10_000 + i;
        const res = await call('POST', `${sys.url('ingest')}/v1/pings`, {
          token,
          body: { pings: [{ ts, geohash: 'u33dc0cp' }] },
        });
        return { ts, status: res.status };
      }),
    );
    expect(sent.map((s) => s.status).sort()).toEqual([202, 202, 429, 429, 429, 429]);
    const stored = await sys.db.query<{ ms: string }>(
      'SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms FROM pings WHERE user_id = $1 ORDER BY ts',
      [userId],
    );
    expect(stored.map((r) => Number(r.ms))).toEqual(
      sent
        .filter((s) => s.status === 202)
        .map((s) => s.ts)
        .sort((x, y) => x - y),
    );
  });

  it('pings: past the limit, 429 also for a malformed batch and for one with nothing usable (the limit is checked first)', async () => {
    const { userId, token } = (await register('192.0.2.21')).body;
    const post = (body: unknown) => call('POST', `${sys.url('ingest')}/v1/pings`, { token, body });
    const now = Date.now();
    expect((await post({ pings: [{ ts: now - 2000, geohash: 'u33dc0cp' }] })).status).toBe(202);
    expect((await post({ pings: [{ ts: now - 1000, geohash: 'u33dc0cp' }] })).status).toBe(202);
    const malformed = await post({ pings: [{ ts: 'yesterday', geohash: 'u33dc0cp' }] });
    expect(malformed.status).toBe(429);
    const inSeconds = await post({ pings: [{ ts: Math.floor(now / 1000), geohash: 'u33dc0cp' }] });
    expect(inSeconds.status).toBe(429);
    expect(Number(inSeconds.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const stored = await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM pings WHERE user_id = $1', [userId]);
    expect(Number(stored[0].n)).toBe(2);
  });
});
