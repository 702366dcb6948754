import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeCache } from './code-cache.js';
import { createCacheRedis, type RedisClient } from './redis.factory.js';

export const CACHE_REDIS = Symbol('CACHE_REDIS');

/**
 * What eviction must not erase: the rate-limit and login counters (a full cache would reopen a
 * limit) and the cache rebuild's lock and cursor, on the queue Redis (REDIS_URL), which never
 * evicts. A fail-fast connection like the cache's (a request is not held up while Redis is
 * away); the cache's own when both are one server.
 */
export const COUNTER_REDIS = Symbol('COUNTER_REDIS');

/** The code read model and its Redis connection (CACHE_REDIS_URL, defaulting to REDIS_URL), and the counters'. */
@Global()
@Module({
  providers: [
    { provide: CACHE_REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createCacheRedis(c.cacheRedisUrl) },
    {
      provide: COUNTER_REDIS,
      inject: [APP_CONFIG, CACHE_REDIS],
      useFactory: (c: AppConfig, cache: RedisClient) =>
        c.cacheRedisUrl === c.redisUrl ? cache : createCacheRedis(c.redisUrl),
    },
    {
      provide: CodeCache,
      inject: [CACHE_REDIS, APP_CONFIG],
      useFactory: (r: RedisClient, c: AppConfig) => new CodeCache(r, c.keyPrefix),
    },
  ],
  exports: [CACHE_REDIS, COUNTER_REDIS, CodeCache],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(
    @Inject(CACHE_REDIS) private readonly redis: RedisClient,
    @Inject(COUNTER_REDIS) private readonly counters: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const clients = this.counters === this.redis ? [this.redis] : [this.redis, this.counters];
    await Promise.all(clients.map((r) => r.quit().catch(() => r.disconnect())));
  }
}
