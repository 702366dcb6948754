import { Module } from '@nestjs/common';
import type { UserPrincipal } from '#libs/auth/index.js';
import { COUNTER_REDIS, PingTracks, type RedisClient } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { trackHorizonMs } from '#libs/domain/index.js';
import { RateLimitModule } from '#libs/http/index.js';
import { PingsController } from './pings.controller.js';
import { PingWriter } from './ping-writer.service.js';
import { PingsService } from './pings.service.js';

@Module({
  // Counted per user (the guard runs after authentication): phones behind one address are apart.
  imports: [
    RateLimitModule.forRoot(
      (c) => c.pingBatchesPerMinute,
      (req) => (req as { principal?: UserPrincipal }).principal?.userId ?? 'anonymous',
    ),
  ],
  controllers: [PingsController],
  providers: [
    PingsService,
    PingWriter,
    {
      // Beside the rate-limit counters: the same Redis (the queue one, which never evicts: an
      // evicted track would let a sprayed batch through) and key prefix.
      provide: PingTracks,
      inject: [COUNTER_REDIS, APP_CONFIG],
      useFactory: (redis: RedisClient, c: AppConfig) => {
        const horizonMs = trackHorizonMs(c.grid, c.maxClockSkewSeconds);
        return new PingTracks(redis, c.keyPrefix, {
          horizonMs,
          horizonSlots: Math.ceil(horizonMs / (c.grid.slotSeconds * 1000)),
        });
      },
    },
  ],
})
export class PingsModule {}
