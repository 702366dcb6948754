import { Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerGetTrackerFunction } from '@nestjs/throttler';
import { COUNTER_REDIS, RedisThrottlerStorage, type RedisClient } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';

/**
 * A per-minute limit shared by every process through the queue Redis (COUNTER_REDIS, never
 * evicted), for the routes that use `ThrottlerGuard`; 429 with Retry-After beyond it. `tracker`
 * says whom a request counts against (default: the client address).
 */
@Module({})
export class RateLimitModule {
  static forRoot(perMinute: (c: AppConfig) => number, tracker?: ThrottlerGetTrackerFunction): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, COUNTER_REDIS],
          useFactory: (c: AppConfig, redis: RedisClient) => ({
            throttlers: [
              { name: 'default', ttl: 60_000, limit: perMinute(c), ...(tracker ? { getTracker: tracker } : {}) },
            ],
            storage: new RedisThrottlerStorage(redis, c.keyPrefix),
          }),
        }),
      ],
      exports: [ThrottlerModule],
    };
  }
}
