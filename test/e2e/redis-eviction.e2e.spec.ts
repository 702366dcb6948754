import { Redis } from 'ioredis';
import { runNode } from '../support/apps.js';
import { call } from '../support/http.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startSystem, TEST_ADMIN, type TestSystem } from '../support/system.js';

const setPolicy = async (server: TestRedisServer, policy: string) => {
  const client = new Redis(server.url);
  await client.config('SET', 'maxmemory-policy', policy);
  await client.quit();
};

/**
 * The cache Redis may evict anything (allkeys-lru); the rate-limit and login counters must not go
 * with it. Here the cache loses everything at once (FLUSHALL, the worst an eviction can do).
 */
describe('counters beside a cache Redis that evicts', () => {
  let cache: TestRedisServer;
  let sys: TestSystem;
  const api = () => sys.url('api');
  const login = (password: string) =>
    call('POST', `${api()}/v1/admin/sessions`, { body: { username: TEST_ADMIN.username, password } });

  beforeAll(async () => {
    cache = await TestRedisServer.start();
    await setPolicy(cache, 'allkeys-lru');
    sys = await startSystem('evict', ['api'], {
      CACHE_REDIS_URL: cache.url,
      HC_LOGIN_MAX_FAILURES: '2',
      HC_LOGIN_MAX_DELAY_SECONDS: '0',
      HC_REGISTRATIONS_PER_MINUTE: '3',
    });
  });

  afterAll(async () => {
    await sys?.stop();
    await cache?.stop();
  });

  it('keeps a login lock when the cache Redis loses every key', async () => {
    expect((await login('wrong-password-1')).status).toBe(401);
    expect((await login('wrong-password-2')).status).toBe(401);
    expect((await login(TEST_ADMIN.password)).status).toBe(429);
    await cache.flushAll();
    expect((await login(TEST_ADMIN.password)).status).toBe(429);
  });

  it('keeps a rate limit when the cache Redis loses every key', async () => {
    const register = () => call('POST', `${api()}/v1/users`, { body: {} });
    for (let i = 0; i < 3; i++) expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(429);
    await cache.flushAll();
    expect((await register()).status).toBe(429);
  });

  it('stops an app at start-up when the queue Redis may evict, and warns of a cache that cannot', async () => {
    const queue = await TestRedisServer.start();
    try {
      await setPolicy(queue, 'allkeys-lru');
      const refused = await runNode('dist/apps/api/src/main.js', { ...sys.env, REDIS_URL: queue.url }, 60_000);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain(
        'the queue Redis (REDIS_URL) runs maxmemory-policy allkeys-lru: it must be noeviction',
      );

      // A cache Redis that cannot evict is a warning; the app starts.
      await setPolicy(cache, 'volatile-lru');
      const started = await sys.startApp('api', { LOG_LEVEL: 'warn' });
      expect(started.output()).toContain('the cache Redis (CACHE_REDIS_URL) runs maxmemory-policy volatile-lru');
    } finally {
      await setPolicy(cache, 'allkeys-lru');
      await queue.stop();
    }
  }, 150_000);
});
