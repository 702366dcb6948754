import type { RunningApp } from '../support/apps.js';
import { call } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Whose address a request counts against (the registration limit, per client address): by
 * default the socket's peer, whatever X-Forwarded-For says; behind proxies named by
 * HC_TRUST_PROXY (addresses or a hop count), the address the nearest trusted proxy saw, not
 * what the client wrote further left in the header. Here the test itself, on 127.0.0.1, plays
 * the proxy.
 */
describe('client address behind proxies (HC_TRUST_PROXY)', () => {
  let sys: TestSystem;
  let direct: RunningApp;
  let byAddress: RunningApp;
  let byHops: RunningApp;
  const LIMIT = 3;

  beforeAll(async () => {
    sys = await startSystem('clientaddr', ['api'], { HC_REGISTRATIONS_PER_MINUTE: String(LIMIT) });
    direct = sys.apps.api!;
    // All three share the database and the Redis counters: each test counts under its own addresses.
    byAddress = await sys.startApp('api', { HC_TRUST_PROXY: '127.0.0.1' });
    byHops = await sys.startApp('api', { HC_TRUST_PROXY: '1' });
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const register = (app: RunningApp, forwardedFor?: string) =>
    call('POST', `${app.url}/v1/users`, {
      body: {},
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }).then((r) => r.status);

  it('by default, a spoofed X-Forwarded-For does not change whom a request counts against', async () => {
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push(await register(direct, `198.51.100.${i + 1}`));
    expect(statuses).toEqual([...Array(LIMIT).fill(201), 429]);
    expect(await register(direct)).toBe(429);
  });

  it.each([
    ['a trusted proxy address', () => byAddress, '203.0.113'],
    ['a proxy count', () => byHops, '192.0.2'],
  ])('with %s, the client address the proxy saw is used, not what the client wrote before it', async (_, app, net) => {
    // The client forges a new address at the left of each request; the proxy appends the real one.
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push(await register(app(), `198.51.100.${i + 50}, ${net}.7`));
    expect(statuses).toEqual([...Array(LIMIT).fill(201), 429]);
    // Another client behind the same proxy is counted on its own.
    expect(await register(app(), `${net}.8`)).toBe(201);
  });
});
