import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { queueConnectionOptions, type QueueConnection } from '#libs/cache/index.js';

export const QUEUE_CONNECTION = Symbol('QUEUE_CONNECTION');

/**
 * BullMQ's connection to REDIS_URL. For a Redis Cluster it is one Cluster client that the queues
 * share (BullMQ duplicates it for each worker's blocking reads) and never close themselves: this
 * module quits it. Nest shuts modules down from the root inwards, and this one is imported
 * below the queues, so they are closed (workers drained) before it quits.
 */
@Module({
  providers: [
    {
      provide: QUEUE_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => queueConnectionOptions(c.redisUrl),
    },
  ],
  exports: [QUEUE_CONNECTION],
})
export class QueueConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_CONNECTION) private readonly connection: QueueConnection) {}

  async onApplicationShutdown(): Promise<void> {
    const c = this.connection;
    if ('isCluster' in c) await c.quit().catch(() => c.disconnect());
  }
}
