import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { createCacheRedis, type RedisClient } from '#libs/cache/index.js';
import { loadConfig } from '#libs/config/index.js';
import { RedisPolicies } from '../../apps/batch/src/maintenance/redis-policies.service.js';
import { eventually } from '../support/http.js';
import { TestRedisServer } from '../support/redis-server.js';
import { redisUrl } from '../support/redis.js';

/** What the batch app exports: `role/policy` -> number of servers. */
const policyGauge = async () =>
  Object.fromEntries(
    (await register.getSingleMetric('hc_redis_maxmemory_policy')!.get()).values.map((v) => [
      `${v.labels.role}/${v.labels.policy}`,
      v.value,
    ]),
  );

const ready = (client: RedisClient) =>
  new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));

/** The batch app's reading of each Redis server's maxmemory-policy, queue and cache apart. */
describe('RedisPolicies', () => {
  let cacheServer: TestRedisServer;
  let queueRedis: Redis;
  let cacheRedis: RedisClient;
  // As BullMQ's queue hands out its connection.
  const queue = () => ({ getBackend: () => ({ client: Promise.resolve(queueRedis) }) }) as unknown as Queue;

  beforeAll(async () => {
    cacheServer = await TestRedisServer.start();
    queueRedis = new Redis(redisUrl());
    // As the apps connect to the cache: failing fast, so a server that is away does not hold a reading up.
    cacheRedis = createCacheRedis(cacheServer.url);
    await ready(cacheRedis);
  });

  afterAll(async () => {
    queueRedis?.disconnect();
    cacheRedis?.disconnect();
    await cacheServer?.stop();
  });

  it('reports each server by role and policy, and follows a change of policy', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl(), CACHE_REDIS_URL: cacheServer.url });
    const policies = new RedisPolicies(config, cacheRedis, queue());

    // The test servers run Redis's default, noeviction: right for the queue, wrong for the cache.
    await policies.check();
    expect(await policyGauge()).toEqual({ 'queue/noeviction': 1, 'cache/noeviction': 1 });

    await cacheRedis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await policies.check();
    expect(await policyGauge()).toEqual({ 'queue/noeviction': 1, 'cache/allkeys-lru': 1 });
  });

  it('keeps the last reading of a server that stopped answering', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl(), CACHE_REDIS_URL: cacheServer.url });
    const policies = new RedisPolicies(config, cacheRedis, queue());
    await policies.check();
    await cacheServer.stop();
    try {
      await policies.check();
      expect(await policyGauge()).toEqual({ 'queue/noeviction': 1, 'cache/allkeys-lru': 1 });
    } finally {
      await cacheServer.restart();
      await ready(cacheRedis);
    }
  });

  it('reports a cache on the queue’s server as the queue only: noeviction is right for both there', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl() });
    await new RedisPolicies(config, queueRedis, queue()).check();
    expect(await policyGauge()).toEqual({ 'queue/noeviction': 1 });
  });

  it('reads the cache while the queue’s server does not answer (BullMQ’s client waits for it)', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl(), CACHE_REDIS_URL: cacheServer.url });
    const waiting = { getBackend: () => ({ client: new Promise(() => {}) }) } as unknown as Queue;
    void new RedisPolicies(config, cacheRedis, waiting).check();
    // The server restarted above runs the default again.
    await eventually(policyGauge, (g) => JSON.stringify(g) === '{"cache/noeviction":1}', 5_000, 'the cache’s reading');
  });
});
