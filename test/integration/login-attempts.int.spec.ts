import { Redis } from 'ioredis';
import { LoginAttempts } from '#libs/cache/index.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

describe('LoginAttempts (admin login failures, real Redis)', () => {
  let redis: Redis;
  let attempts: LoginAttempts;
  const limits = { perUsernameAndAddress: 3, perAddress: 5, lockSeconds: 60 };

  beforeAll(() => {
    redis = new Redis(redisUrl());
  });

  afterAll(async () => {
    await redis.quit();
  });

  beforeEach(() => {
    attempts = new LoginAttempts(redis, testKeyPrefix(`login-${Math.random().toString(36).slice(2)}`), limits);
  });

  it('reserves attempts sent at once one by one: only the limit gets through', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => attempts.reserve('admin', '192.0.2.1')));
    expect(results.filter((r) => !r.locked)).toHaveLength(3);
    for (const r of results.filter((r) => r.locked)) {
      expect(r).toEqual({ locked: true, retryAfterMs: expect.any(Number) });
      if (r.locked) expect(r.retryAfterMs).toBeGreaterThan(0);
      if (r.locked) expect(r.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it("locks a (username, address) pair, not the username, and counts the username's failures from every address", async () => {
    for (let i = 0; i < 3; i++) expect((await attempts.reserve('Admin', '192.0.2.1')).locked).toBe(false);
    expect((await attempts.reserve('admin', '192.0.2.1')).locked).toBe(true);
    // Another address may still try, and sees the failures made from the first.
    expect(await attempts.reserve('admin', '192.0.2.2')).toEqual({ locked: false, usernameFailures: 3 });
    expect(await attempts.reserve('admin', '2001:db8::1')).toEqual({ locked: false, usernameFailures: 4 });
    expect(await attempts.reserve('other', '192.0.2.1')).toEqual({ locked: false, usernameFailures: 0 });
  });

  it('locks an address after its limit, whatever the username', async () => {
    for (let i = 0; i < 5; i++) expect((await attempts.reserve(`name-${i}`, '192.0.2.9')).locked).toBe(false);
    expect((await attempts.reserve('someone-else', '192.0.2.9')).locked).toBe(true);
    expect((await attempts.reserve('someone-else', '192.0.2.10')).locked).toBe(false);
  });

  it('gives a successful attempt back and clears its pair', async () => {
    await attempts.reserve('admin', '192.0.2.1');
    await attempts.reserve('admin', '192.0.2.1');
    await attempts.reserve('admin', '192.0.2.1'); // the right password
    await attempts.succeeded('admin', '192.0.2.1');
    // The pair starts afresh; the username keeps the two failures, the address too.
    expect(await attempts.reserve('admin', '192.0.2.1')).toEqual({ locked: false, usernameFailures: 2 });
    // 3 failures counted from the address now (the success was given back): 2 more reach its limit of 5.
    expect((await attempts.reserve('name-x', '192.0.2.1')).locked).toBe(false);
    expect((await attempts.reserve('name-y', '192.0.2.1')).locked).toBe(false);
    expect((await attempts.reserve('name-z', '192.0.2.1')).locked).toBe(true);
  });
});
