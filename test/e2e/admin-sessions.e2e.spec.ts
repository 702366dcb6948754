import { insertAccount, login, loginAdmin } from '../support/admin.js';
import { runCli } from '../support/cli.js';
import { call, callFrom } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * When an admin session ends: a password reset or a disable ends the account's sessions at once
 * (its token version moves on), whoever holds them; logout ends the queue dashboard's cookie, and
 * that cookie is Secure whenever the browser reached us over TLS.
 */
describe('admin sessions', () => {
  let sys: TestSystem;
  const api = (p: string) => `${sys.url('api')}${p}`;
  /** What a session's token and cookie still reach: an admin route, and the queue dashboard. */
  const reach = async (s: { token: string; cookie: string | null }) => ({
    api: (await call('GET', api('/v1/admin/code-changes'), { token: s.token })).status,
    dashboard: (await call('GET', api('/admin/queues'), { headers: { cookie: s.cookie!.split(';')[0] } })).status,
  });

  beforeAll(async () => {
    // The proxy in front is on this machine: its X-Forwarded-Proto is believed, a client's is not.
    sys = await startSystem('admin_sessions', ['api'], { HC_TRUST_PROXY: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it("a password reset ends the account's sessions at once, and no one else's", async () => {
    await insertAccount(sys, 'rita', 'admin');
    const rita = await login(sys, 'rita', 'rita-password-1');
    const other = await loginAdmin(sys);
    expect(await reach(rita)).toEqual({ api: 200, dashboard: 200 });

    const reset = await runCli(sys, ['admins', 'reset-password', 'rita', '--password-stdin'], 'rita-new-password\n');
    expect(reset.code).toBe(0);
    expect(await reach(rita)).toEqual({ api: 401, dashboard: 401 });
    expect(await reach(other)).toEqual({ api: 200, dashboard: 200 });
    expect(await reach(await login(sys, 'rita', 'rita-new-password'))).toEqual({ api: 200, dashboard: 200 });
  }, 60_000);

  it('a disable ends them, and enabling the account again brings none back', async () => {
    await insertAccount(sys, 'sami', 'admin');
    const sami = await login(sys, 'sami', 'sami-password-1');
    expect((await runCli(sys, ['admins', 'disable', 'sami'])).code).toBe(0);
    expect(await reach(sami)).toEqual({ api: 401, dashboard: 401 });
    expect((await runCli(sys, ['admins', 'enable', 'sami'])).code).toBe(0);
    expect(await reach(sami)).toEqual({ api: 401, dashboard: 401 });
    expect(await reach(await login(sys, 'sami', 'sami-password-1'))).toEqual({ api: 200, dashboard: 200 });

    const versions = await sys.db.query<{
      action: string;
      before: { tokenVersion: number };
      after: { tokenVersion: number };
    }>(
      `SELECT a.action, a.before, a.after FROM admin_audit a JOIN admins m ON m.id::text = a.target_id
       WHERE a.target_type = 'admin' AND m.username = 'sami' AND a.action IN ('admin.disable', 'admin.enable') ORDER BY a.id`,
    );
    expect(versions.map((v) => [v.action, v.before.tokenVersion, v.after.tokenVersion])).toEqual([
      ['admin.disable', 0, 1],
      ['admin.enable', 1, 1],
    ]);
  }, 60_000);

  it('logout clears the queue dashboard cookie and ends nothing else', async () => {
    const s = await loginAdmin(sys);
    const out = await call('DELETE', api('/v1/admin/sessions'), { token: s.token });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe(
      'hc_queues_session=; Path=/admin/queues; Max-Age=0; HttpOnly; SameSite=Strict',
    );
    // The token itself is the console's to forget: the account's other sessions go on.
    expect((await call('GET', api('/v1/admin/code-changes'), { token: s.token })).status).toBe(200);
    expect((await call('DELETE', api('/v1/admin/sessions'))).status).toBe(401);
  });

  it('makes the cookie Secure when the browser came over TLS through a trusted proxy, and only then', async () => {
    const body = { username: 'admin', password: sys.env.HC_ADMIN_PASSWORD };
    const tls = { 'x-forwarded-proto': 'https' };
    const cookieOf = async (from: string, headers: Record<string, string>) => {
      const r = await callFrom(from, 'POST', api('/v1/admin/sessions'), { body, headers });
      expect(r.status).toBe(200);
      const out = await callFrom(from, 'DELETE', api('/v1/admin/sessions'), {
        token: r.body.token,
        headers,
      });
      return [r.headers.get('set-cookie'), out.headers.get('set-cookie')].map((c) => c!.endsWith('; Secure'));
    };
    expect(await cookieOf('127.0.0.1', tls)).toEqual([true, true]);
    expect(await cookieOf('127.0.0.1', {})).toEqual([false, false]);
    // Not from the trusted proxy: any client can write the header.
    expect(await cookieOf('127.0.0.2', tls)).toEqual([false, false]);
  });
});

describe('the first admin', () => {
  let sys: TestSystem;

  afterAll(async () => {
    await sys?.stop();
  });

  it('is not made up, nor its password logged, without HC_ADMIN_PASSWORD; with it, its password is not logged', async () => {
    sys = await startSystem('first_admin', ['api'], { HC_ADMIN_PASSWORD: '', LOG_LEVEL: 'info' });
    const output = sys.apps.api!.output();
    expect(output).not.toContain('first admin created');
    expect(output).toContain('no admin account exists: set HC_ADMIN_PASSWORD');
    expect(await sys.db.query('SELECT username FROM admins')).toEqual([]);

    const password = 'a-password-of-the-first-admin';
    const second = await sys.startApp('api', { HC_ADMIN_PASSWORD: password, LOG_LEVEL: 'info' });
    expect(second.output()).toContain('first admin created: admin (password from HC_ADMIN_PASSWORD)');
    expect(second.output()).not.toContain(password);
  }, 60_000);
});
