import { RebuildState, createCacheRedis, type RedisClient } from '#libs/cache/index.js';
import { TestRedisServer } from '../support/redis-server.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

const ready = (client: RedisClient) =>
  new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));

/**
 * The read model's rebuild with the cache on a Redis of its own that loses every key (FLUSHALL,
 * the worst eviction can do): its lock and cursor are on the queue Redis and stay; the claim that
 * the cache is complete goes with the cache.
 */
describe('RebuildState beside a cache Redis that evicts', () => {
  let cacheServer: TestRedisServer;
  let cache: RedisClient;
  let queue: RedisClient;
  const prefix = testKeyPrefix('rebuild');

  beforeAll(async () => {
    cacheServer = await TestRedisServer.start();
    cache = createCacheRedis(cacheServer.url);
    queue = createCacheRedis(redisUrl());
    await Promise.all([ready(cache), ready(queue)]);
  });

  afterAll(async () => {
    cache?.disconnect();
    queue?.disconnect();
    await cacheServer?.stop();
  });

  it('keeps its lock through the cache’s loss, starts over, and is complete only for the cache it filled', async () => {
    const first = new RebuildState(queue, cache, prefix);
    const second = new RebuildState(queue, cache, prefix);
    expect(await first.isComplete()).toBe(false);
    expect(await first.tryLock(30_000)).toBe(true);
    const { run } = await first.readCursor();
    expect(await first.advance(run, '0', '500')).toBe(true);

    await cacheServer.flushAll();
    // Another batch process must not start a second rebuild meanwhile.
    expect(await second.tryLock(30_000)).toBe(false);
    // The codes written so far are gone: the run starts over instead of going on.
    expect(await first.advance(run, '500', '1000')).toBe(false);
    const again = await first.readCursor();
    expect(again.resumed).toBe(false);
    expect(again.run).not.toBe(run);
    expect(await first.advance(again.run, '0', '900')).toBe(true);
    expect(await first.markComplete(again.run, '900')).toBe(true);
    expect(await first.isComplete()).toBe(true);
    await first.unlock();
    expect(await second.tryLock(30_000)).toBe(true);
    await second.unlock();

    // A cache emptied after the rebuild is not complete any more.
    await cacheServer.flushAll();
    expect(await first.isComplete()).toBe(false);
  });

  it('resumes a dead process’s run while the cache still holds it', async () => {
    const dead = new RebuildState(queue, cache, `${prefix}-resume`);
    const { run } = await dead.readCursor();
    expect(await dead.advance(run, '0', '300')).toBe(true);
    const next = await new RebuildState(queue, cache, `${prefix}-resume`).readCursor();
    expect(next).toEqual({ run, afterUserId: '300', resumed: true });
  });
});
