import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import type { QueueConnection } from '#libs/cache/index.js';
import { DEFAULT_JOB_OPTIONS, TRACING_QUEUE, queuePrefix } from './jobs.js';
import { QUEUE_CONNECTION, QueueConnectionModule } from './queue-connection.module.js';
import { WindowRequeuer } from './window-requeuer.service.js';

/**
 * BullMQ on REDIS_URL (must be `noeviction`; one Redis or a Redis Cluster). The key prefix keeps
 * deployments and test runs that share a Redis apart, and is the queue's hash tag on a cluster.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [QueueConnectionModule],
      inject: [APP_CONFIG, QUEUE_CONNECTION],
      useFactory: (c: AppConfig, connection: QueueConnection) => ({
        connection,
        prefix: queuePrefix(c.keyPrefix),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue({ name: TRACING_QUEUE }),
  ],
  providers: [WindowRequeuer],
  exports: [BullModule, WindowRequeuer],
})
export class QueueModule {}
