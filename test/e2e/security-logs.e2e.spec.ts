import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/apps.js';
import { loginAdmin, registerUsers } from '../support/admin.js';
import { call } from '../support/http.js';
import { TEST_ADMIN, startSystem, type TestSystem } from '../support/system.js';

/**
 * Security battery, logs: with the most talkative log level, a session of ordinary and hostile
 * requests leaves no token, no password, no coordinate or cell and no client address in any
 * app's log, while the requests themselves are logged.
 */
describe('security battery: what the logs hold', () => {
  let sys: TestSystem;
  const logs: Record<string, string> = {};
  const secrets: Record<string, string[]> = { tokens: [], coordinates: [], cells: [], addresses: [], passwords: [] };

  beforeAll(async () => {
    // Behind a proxy the apps know the client's address from X-Forwarded-For: it must not be logged either.
    sys = await startSystem('sec_logs', ['api', 'ingest', 'batch'], {
      LOG_LEVEL: 'debug',
      HC_TRUST_PROXY: '127.0.0.1',
    });
    const forwarded = '203.0.113.77';
    const headers = { 'x-forwarded-for': forwarded };
    const [me, other] = (await registerUsers(sys, 2)) as { userId: string; token: string }[];
    const admin = await loginAdmin(sys);
    const api = (p: string) => `${sys.url('api')}${p}`;
    const ingest = `${sys.url('ingest')}/v1/pings`;
    const now = Date.now();
    const coordinates = [
      [47.3769184, 8.5416941],
      [-33.8688197, 151.2092955],
    ] as const;
    const cells = ['u0qj88vq', 'r3gx2f9t'];

    await call('GET', api('/v1/codes/me'), { token: me.token, headers });
    await call('POST', ingest, {
      token: me.token,
      headers,
      body: {
        pings: [
          { ts: now - 20_000, lat: coordinates[0][0], lon: coordinates[0][1] },
          { ts: now - 10_000, geohash: cells[0] },
        ],
      },
    });
    await call('POST', ingest, {
      token: other.token,
      headers,
      body: {
        pings: [
          { ts: now - 20_000, lat: coordinates[1][0], lon: coordinates[1][1] },
          { ts: now - 10_000, geohash: cells[1] },
          { ts: 'later', lat: 91.2345678, lon: 0 },
        ],
      },
    });
    await call('POST', ingest, {
      token: `${me.token}x`,
      headers,
      body: { pings: [{ ts: now, lat: coordinates[0][0], lon: coordinates[0][1] }] },
    });
    await call('POST', ingest, {
      token: me.token,
      headers,
      rawBody: `{"pings":[{"ts":${now},"lat":${coordinates[1][0]},"lon":`,
    });
    // JSON bodies are served by the fast lane, which writes no access line; other content types
    // reach the Nest route, which does: this one must be logged, without what it carried.
    await call('POST', ingest, {
      token: me.token,
      headers: { ...headers, 'content-type': 'text/plain' },
      rawBody: `{"pings":[{"ts":${now},"lat":${coordinates[1][0]},"lon":${coordinates[1][1]}}]}`,
    });
    await call('GET', api(`/v1/nothing?token=${me.token}`), { token: admin.token, headers });
    await call('POST', api('/v1/admin/sessions'), {
      headers,
      body: { username: TEST_ADMIN.username, password: 'wrong-password-77' },
    });
    await call('PUT', api(`/v1/admin/users/${other.userId}/code`), {
      token: admin.token,
      headers,
      body: { color: 'red', reason: 'positive test' },
    });
    await call('GET', api('/v1/admin/code-changes'), { token: admin.token, headers });
    await fetch(api('/admin/queues'), { headers: { ...headers, cookie: admin.cookie!.split(';')[0] } });

    secrets.tokens = [me.token, other.token, admin.token].flatMap((t) => [t, t.split('.')[2]]);
    secrets.passwords = [TEST_ADMIN.password, 'wrong-password-77'];
    // The coordinates as sent, and their first five decimals (any rounding a log might print).
    secrets.coordinates = [...coordinates.flat(), 91.2345678].flatMap((c) => [String(c), c.toFixed(5)]);
    secrets.cells = cells;
    secrets.addresses = ['127.0.0.1', '::1', forwarded];

    // Stopped first, so every line is written.
    await Promise.all(Object.values(sys.apps).map((a) => a.stop()));
    for (const app of ['api', 'ingest', 'batch'])
      logs[app] = readFileSync(path.join(ROOT, 'test-artifacts', `${sys.env.HC_KEY_PREFIX}-${app}.log`), 'utf8');
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('logs the requests (so the checks below look at a real log)', () => {
    expect(logs.api).toContain('"path":"/v1/admin/sessions"');
    expect(logs.ingest).toContain('"path":"/v1/pings"');
    expect(logs.ingest).toContain('"status":400');
  });

  it.each(['tokens', 'passwords', 'coordinates', 'cells', 'addresses'])('holds no %s', (kind) => {
    for (const [app, text] of Object.entries(logs)) {
      const found = secrets[kind].filter((s) => text.includes(s));
      expect({ app, found }).toEqual({ app, found: [] });
    }
    expect(logs.api).not.toMatch(/bearer|authorization|cookie|remoteAddress|x-forwarded-for/i);
  });
});
