import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeCache } from './code-cache.js';
import { createCacheRedis, type RedisClient } from './redis.factory.js';

export const CACHE_REDIS = Symbol('CACHE_REDIS');

/** The code read model and its Redis connection (CACHE_REDIS_URL, defaulting to REDIS_URL). */
@Global()
@Module({
  providers: [
    { provide: CACHE_REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createCacheRedis(c.cacheRedisUrl) },
    {
      provide: CodeCache,
      inject: [CACHE_REDIS, APP_CONFIG],
      useFactory: (r: RedisClient, c: AppConfig) => new CodeCache(r, c.keyPrefix),
    },
  ],
  exports: [CACHE_REDIS, CodeCache],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(CACHE_REDIS) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
