import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { checkRedisPoliciesAtStart, createCacheRedis, type RedisClient } from '#libs/cache/index.js';
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

/** The check every app makes before it starts: a queue Redis that may evict stops it. */
describe('checkRedisPoliciesAtStart', () => {
  let server: TestRedisServer;
  let client: RedisClient;
  let queueClient: RedisClient;
  const warnings: string[] = [];
  const log = { warn: (m: string) => void warnings.push(m) };
  const config = () => ({ redisUrl: redisUrl(), cacheRedisUrl: server.url });

  beforeAll(async () => {
    server = await TestRedisServer.start();
    client = createCacheRedis(server.url);
    queueClient = createCacheRedis(redisUrl());
    await Promise.all([ready(client), ready(queueClient)]);
  });

  afterAll(async () => {
    client?.disconnect();
    queueClient?.disconnect();
    await server?.stop();
  });

  beforeEach(() => void warnings.splice(0));

  it('refuses a queue Redis that may evict', async () => {
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await expect(checkRedisPoliciesAtStart(config(), { queue: client, cache: queueClient }, log)).rejects.toThrow(
      'the queue Redis (REDIS_URL) runs maxmemory-policy allkeys-lru: it must be noeviction',
    );
  });

  it('warns of a cache Redis that cannot evict, and passes a queue Redis that never evicts', async () => {
    await client.config('SET', 'maxmemory-policy', 'volatile-lru');
    await checkRedisPoliciesAtStart(config(), { queue: queueClient, cache: client }, log);
    expect(warnings).toEqual([
      'the cache Redis (CACHE_REDIS_URL) runs maxmemory-policy volatile-lru: it must be allkeys-lru (or another allkeys-*)',
    ]);
    warnings.splice(0);
    await client.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await checkRedisPoliciesAtStart(config(), { queue: queueClient, cache: client }, log);
    expect(warnings).toEqual([]);
  });

  it('checks the queue only when the cache shares its server', async () => {
    await client.config('SET', 'maxmemory-policy', 'volatile-lru');
    await checkRedisPoliciesAtStart(
      { redisUrl: redisUrl(), cacheRedisUrl: redisUrl() },
      { queue: queueClient, cache: client },
      log,
    );
    expect(warnings).toEqual([]);
  });

  it('starts with a warning when a server does not answer in time', async () => {
    await server.stop();
    try {
      await checkRedisPoliciesAtStart(config(), { queue: client, cache: queueClient }, log, 300);
      expect(warnings).toContainEqual(
        expect.stringContaining('the maxmemory-policy of the queue Redis was not read at start'),
      );
    } finally {
      await server.restart();
      await ready(client);
    }
  });
});
