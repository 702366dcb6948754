import { Module } from '@nestjs/common';
import { RateLimitModule } from '#libs/http/index.js';
import { UsersController, UserTokenController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [RateLimitModule.forRoot((c) => c.registrationsPerMinute)],
  controllers: [UsersController, UserTokenController],
  providers: [UsersService],
})
export class UsersModule {}
