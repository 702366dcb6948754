import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { CACHE_REDIS, RedisThrottlerStorage } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, CACHE_REDIS],
      useFactory: (c: AppConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: c.registrationsPerMinute }],
        storage: new RedisThrottlerStorage(redis, c.keyPrefix),
      }),
    }),
  ],
  controllers: [UsersController],
  providers: [UsersService],
})
export class UsersModule {}
