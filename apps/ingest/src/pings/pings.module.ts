import { Module } from '@nestjs/common';
import type { UserPrincipal } from '#libs/auth/index.js';
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
  providers: [PingsService, PingWriter],
})
export class PingsModule {}
