import { Redis } from 'ioredis';
import {
  CodeCache,
  RebuildState,
  RedisThrottlerStorage,
  createCacheRedis,
  maxmemoryPolicies,
  type CodeView,
  type RedisClient,
} from '#libs/cache/index.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { testKeyPrefix } from '../support/redis.js';

const view = (userId: string, version: number): CodeView => ({
  userId,
  color: 'yellow',
  reason: `v${version}`,
  version,
  updatedAtMs: 1_700_000_000_000 + version * 1000,
  expiresAtMs: 1_800_000_000_000,
  tokenVersion: 0,
});

/** libs/cache on a 3-node Redis Cluster, through the same client factory the apps use. */
describe('the cache libraries on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let redis: RedisClient;
  const prefix = testKeyPrefix('cluster-cache');

  beforeAll(async () => {
    cluster = await TestRedisCluster.start(3);
    redis = createCacheRedis(cluster.url);
    // The cache client fails fast (no offline queue): wait until it knows the slots.
    await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
  }, 30_000);

  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  });

  it('writes many codes spread over every node, versioned, and counts the writes that won', async () => {
    const cache = new CodeCache(redis, prefix);
    const views = Array.from({ length: 300 }, (_, i) => view(String(i + 1), 2));
    expect(redis.isCluster).toBe(true);
    expect(await cache.putMany(views)).toBe(300);
    expect((await cluster.keysPerNode()).every((n) => n > 0)).toBe(true);
    // Older and equal versions lose; newer ones win, whichever node holds them.
    expect(
      await cache.putMany([
        ...views.slice(0, 100).map((v) => view(v.userId, 1)),
        ...views.slice(100, 150),
        ...views.slice(150).map((v) => view(v.userId, 3)),
      ]),
    ).toBe(150);
    expect((await cache.get('1'))?.version).toBe(2);
    expect((await cache.get('300'))?.version).toBe(3);
  });

  it('keeps the rebuild state atomic: complete only while the cursor is the run’s', async () => {
    const state = new RebuildState(redis, redis, prefix);
    expect(await state.isComplete()).toBe(false);
    expect(await state.tryLock(5_000)).toBe(true);
    expect(await state.refreshLock(5_000)).toBe(true);
    const { run } = await state.readCursor();
    expect(await state.advance(run, '0', '500')).toBe(true);
    expect(await state.markComplete(run, '499')).toBe(false);
    expect(await state.markComplete(run, '500')).toBe(true);
    expect(await state.isComplete()).toBe(true);
    await state.unlock();
    expect(await state.tryLock(5_000)).toBe(true);
  });

  it('counts rate-limit hits in the cluster', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await storage.increment('someone', 60_000, 2));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  // Different users' keys live in different slots: hits taken together must not go in one call.
  it('counts rate-limit hits of many users taken at once in the cluster', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const hits = await Promise.all([...users, ...users].map((u) => storage.increment(u, 60_000, 1)));
    expect(hits.map((h) => h.totalHits)).toEqual([...users.map(() => 1), ...users.map(() => 2)]);
    expect(hits.filter((h) => h.isBlocked)).toHaveLength(users.length);
  });

  it('reads the maxmemory-policy of every node', async () => {
    const node = new Redis(cluster.ports[0], '127.0.0.1');
    try {
      await node.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(Object.fromEntries(await maxmemoryPolicies(redis))).toEqual({ noeviction: 2, 'allkeys-lru': 1 });
    } finally {
      node.disconnect();
    }
  });
});
