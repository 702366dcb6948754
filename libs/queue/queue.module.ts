import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { queueConnectionOptions } from '#libs/cache/index.js';
import { TRACING_QUEUE } from './jobs.js';
import { WindowRequeuer } from './window-requeuer.service.js';

/**
 * BullMQ on REDIS_URL (must be `noeviction`). The key prefix keeps deployments and test runs
 * that share a Redis apart. Finished jobs are trimmed by count and age.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        connection: queueConnectionOptions(c.redisUrl),
        prefix: `${c.keyPrefix}-bull`,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 2_000 },
          removeOnComplete: { count: 1_000, age: 24 * 3600 },
          removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
        },
      }),
    }),
    BullModule.registerQueue({ name: TRACING_QUEUE }),
  ],
  providers: [WindowRequeuer],
  exports: [BullModule, WindowRequeuer],
})
export class QueueModule {}
