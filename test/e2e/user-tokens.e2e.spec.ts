import { Redis } from 'ioredis';
import { createSigner } from 'fast-jwt';
import { CodeCache, rebuildStateKey } from '#libs/cache/index.js';
import { auditRows, loginAdmin, registerUsers } from '../support/admin.js';
import { runCli } from '../support/cli.js';
import { call, eventually } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

const TTL_SECONDS = 3600;

interface Phone {
  userId: string;
  token: string;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

/**
 * A phone's token (docs/api.md, Phones): it expires, a valid one renews itself, and revoking one
 * person's tokens (admin route or CLI, audited) refuses them on the read path, ingest and renewal,
 * whatever becomes of the read model, while everyone else's keep working.
 */
describe("phone tokens: expiry, renewal, one person's revocation", () => {
  let sys: TestSystem;
  let redis: Redis;
  let cache: CodeCache;
  let admin: string;
  let slot = Date.now() - 60_000;

  const read = (token: string) => call('GET', `${sys.url('api')}/v1/codes/me`, { token });
  const post = (token: string) =>
    call('POST', `${sys.url('ingest')}/v1/pings`, { token, body: { pings: [{ ts: slot++, geohash: 'u33dc0cp' }] } });
  const renew = (token: string) => call('POST', `${sys.url('api')}/v1/users/me/token`, { token });
  /** The statuses a token gets on the read path and on ingest. */
  const statuses = async (token: string) => [(await read(token)).status, (await post(token)).status];
  const revoke = (userId: string, token = admin) =>
    call('POST', `${sys.url('api')}/v1/admin/users/${userId}/tokens/revoke`, {
      token,
      body: { note: 'phone reported stolen' },
    });

  beforeAll(async () => {
    sys = await startSystem('user_tokens', ['api', 'ingest', 'batch'], {
      HC_USER_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    });
    redis = new Redis(sys.env.REDIS_URL);
    cache = new CodeCache(redis, sys.env.HC_KEY_PREFIX);
    admin = (await loginAdmin(sys)).token;
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await sys?.stop();
  });

  it('issues a token that expires HC_USER_TOKEN_TTL_SECONDS after it was issued, at the token version of its person', async () => {
    const r = await call('POST', `${sys.url('api')}/v1/users`);
    expect(r.status).toBe(201);
    const claims = claimsOf(r.body.token);
    expect(claims).toMatchObject({ sub: r.body.userId, typ: 'user', tv: 0 });
    expect(claims.exp - claims.iat).toBe(TTL_SECONDS);
    expect(r.body.expiresAt).toBe(new Date(claims.exp * 1000).toISOString());
    expect(await statuses(r.body.token)).toEqual([200, 202]);
  });

  it('refuses an expired token, and a token without an expiry or a token version, on reads, ingest and renewal', async () => {
    const [phone] = await registerUsers(sys, 1);
    const sign = createSigner({ key: sys.env.HC_JWT_SECRET, algorithm: 'HS256' });
    const nowS = Math.floor(Date.now() / 1000);
    const forged = {
      expired: sign({ sub: phone.userId, typ: 'user', tv: 0, iat: nowS - 7200, exp: nowS - 60 }),
      'without an expiry': sign({ sub: phone.userId, typ: 'user', tv: 0 }),
      'without a token version': sign({ sub: phone.userId, typ: 'user', exp: nowS + 600 }),
    };
    for (const [kind, token] of Object.entries(forged)) {
      expect({ kind, statuses: await statuses(token), renewal: (await renew(token)).status }).toEqual({
        kind,
        statuses: [401, 401],
        renewal: 401,
      });
    }
    expect(await statuses(phone.token)).toEqual([200, 202]);
  });

  it('renews a valid token: the new one works on reads and ingest and expires no earlier', async () => {
    const [phone] = await registerUsers(sys, 1);
    const r = await renew(phone.token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ userId: phone.userId, token: expect.any(String), expiresAt: expect.any(String) });
    expect(claimsOf(r.body.token).exp).toBeGreaterThanOrEqual(claimsOf(phone.token).exp);
    expect(claimsOf(r.body.token)).toMatchObject({ sub: phone.userId, typ: 'user', tv: 0 });
    expect(await statuses(r.body.token)).toEqual([200, 202]);
    expect((await renew(admin)).status).toBe(403);
  });

  describe('revocation', () => {
    let revoked: Phone;
    let renewed: string;
    let other: Phone;

    beforeAll(async () => {
      [revoked, other] = await registerUsers(sys, 2);
      renewed = (await renew(revoked.token)).body.token;
      // Both people's entries are in the read model before the revocation.
      expect(await statuses(revoked.token)).toEqual([200, 202]);
      expect(await statuses(other.token)).toEqual([200, 202]);
    });

    it("an admin revokes one person's tokens: each of them is refused on reads, ingest and renewal, others work", async () => {
      const r = await revoke(revoked.userId);
      expect(r).toMatchObject({ status: 200, body: { userId: revoked.userId, tokenVersion: 1 } });
      for (const token of [revoked.token, renewed]) {
        expect(await statuses(token)).toEqual([401, 401]);
        expect((await renew(token)).status).toBe(401);
      }
      expect((await read(revoked.token)).body.error).toBe('AUTH.UNAUTHENTICATED');
      expect(await statuses(other.token)).toEqual([200, 202]);
      expect((await renew(other.token)).status).toBe(200);
      expect(await auditRows(sys, 'user', revoked.userId)).toEqual([
        {
          action: 'user.revoke-tokens',
          actor: 'admin',
          before: { tokenVersion: 0 },
          after: { tokenVersion: 1 },
          note: 'phone reported stolen',
        },
      ]);
      expect((await revoke('987654321')).status).toBe(404);
    });

    it('the person registers again and gets a working token', async () => {
      const [again] = await registerUsers(sys, 1);
      expect(await statuses(again.token)).toEqual([200, 202]);
    });

    it('survives the read model losing the entry (eviction) and a whole rebuild of it', async () => {
      const [gone, kept] = await registerUsers(sys, 2);
      expect(await statuses(gone.token)).toEqual([200, 202]);
      expect((await revoke(gone.userId)).status).toBe(200);
      expect(await statuses(gone.token)).toEqual([401, 401]);

      await redis.del(cache.key(gone.userId));
      expect(await statuses(gone.token)).toEqual([401, 401]);

      // The cache loses everything: the batch app rebuilds it from Postgres.
      const prefix = sys.env.HC_KEY_PREFIX;
      await redis.del(...(await redis.keys(`${prefix}:code:*`)), rebuildStateKey(prefix, 'complete'));
      await eventually(
        () => redis.exists(rebuildStateKey(prefix, 'complete')),
        (n) => n === 1,
        60_000,
        'the cache rebuild',
      );
      // Rebuilt before any read of these two filled their entries.
      expect(await cache.get(gone.userId)).toMatchObject({ userId: gone.userId, tokenVersion: 1 });
      expect(await cache.get(kept.userId)).toMatchObject({ userId: kept.userId, tokenVersion: 0 });
      expect(await statuses(gone.token)).toEqual([401, 401]);
      expect(await statuses(kept.token)).toEqual([200, 202]);
    }, 90_000);

    it('the operator CLI revokes too, audited as the operator', async () => {
      const [phone, bystander] = await registerUsers(sys, 2);
      expect(await statuses(phone.token)).toEqual([200, 202]);
      const out = await runCli(sys, ['users', 'revoke-tokens', phone.userId, '--note', 'lost phone']);
      expect(out).toEqual({ code: 0, out: expect.stringContaining(`revoked the tokens of user ${phone.userId}`) });
      expect(await statuses(phone.token)).toEqual([401, 401]);
      expect(await statuses(bystander.token)).toEqual([200, 202]);
      expect(await auditRows(sys, 'user', phone.userId)).toEqual([
        {
          action: 'user.revoke-tokens',
          actor: expect.stringMatching(/^cli:/),
          before: { tokenVersion: 0 },
          after: { tokenVersion: 1 },
          note: 'lost phone',
        },
      ]);
      expect((await runCli(sys, ['users', 'revoke-tokens', phone.userId])).code).not.toBe(0); // --note is required
      expect((await runCli(sys, ['users', 'revoke-tokens', 'x1', '--note', 'n'])).code).not.toBe(0);
    }, 60_000);
  });
});
