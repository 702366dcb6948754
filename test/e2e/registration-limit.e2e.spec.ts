import { call } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

describe('registration rate limit (per client address)', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startSystem('ratelimit', ['api'], { HC_REGISTRATIONS_PER_MINUTE: '3', HC_TRUST_PROXY: 'true' });
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const register = (address: string) => call('POST', `${sys.url('api')}/v1/users`, { body: {}, headers: { 'x-forwarded-for': address } });

  it('answers 429 with Retry-After past the limit, for that address only, and creates no user', async () => {
    for (let i = 0; i < 3; i++) expect((await register('203.0.113.7')).status).toBe(201);
    const before = Number((await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]!.n);
    const refused = await register('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'RATE_LIMITED', message: expect.any(String) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Number((await sys.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]!.n)).toBe(before);
    expect((await register('198.51.100.1')).status).toBe(201);
  });
});
